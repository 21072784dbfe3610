import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { type SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { createComponent, echoComponent } from "./fixtures.js";
import { invoke } from "./invoke.js";
import { placement } from "./placement.js";

const probeServer = fileURLToPath(new URL("../../../test/fixtures/probe-server.mjs", import.meta.url));

/** The image name the probe model server is configured under, and the config that maps it. */
export const probeImage = "test/probe";
export const probeImages = { [probeImage]: { command: [process.execPath, probeServer] } };

export interface ProbeAnswer {
  uid: string;
  gid: string;
  groups: string;
  noNewPrivs: string;
  env: Record<string, string>;
  read: Record<string, string>;
  write: Record<string, string>;
}

/** Deploys one copy of the probe image and returns its name and PID. */
export async function deployProbe(sm: SageMakerClient, url: string, endpoint: string, env?: Record<string, string>): Promise<{ name: string; pid: number }> {
  const name = await createComponent(sm, echoComponent(endpoint, { image: probeImage, accelerators: 0, env }));
  const copy = (await placement(url, endpoint)).flatMap((i) => i.copies).find((c) => c.owner === name);
  if (!copy?.pid) throw new Error(`copy of ${name} has no pid in the placement view`);
  return { name, pid: copy.pid };
}

export async function askProbe(
  runtime: SageMakerRuntimeClient,
  endpoint: string,
  component: string,
  question: { read?: string[]; write?: string[] } = {},
): Promise<ProbeAnswer> {
  return JSON.parse((await invoke(runtime, endpoint, component, JSON.stringify(question))).body) as ProbeAnswer;
}

/** A field of /proc/<pid>/status, e.g. "Uid" → "999\t999\t999\t999". */
export function procStatus(pid: number, field: string): string | undefined {
  const text = readFileSync(`/proc/${pid}/status`, "utf8");
  return new RegExp(`^${field}:[ \\t]*(.*)$`, "m").exec(text)?.[1]?.trim();
}

export function userIds(name: string): { uid: number; gid: number } {
  const [, , uid, gid] = execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim().split(":");
  return { uid: Number(uid), gid: Number(gid) };
}

export function processAlive(pid: number): boolean {
  try {
    const state = /^State:\s*(\S)/m.exec(readFileSync(`/proc/${pid}/status`, "utf8"))?.[1];
    return state !== undefined && state !== "Z";
  } catch {
    return false;
  }
}
