import { existsSync } from "node:fs";
import type { ContainerEngineSetting } from "../config/containers.js";
import { hybridCgroups, ulimitsWithinHardLimits } from "./host-limits.js";
import { lastLines, runTool } from "../util/run-tool.js";

export type ContainerEngineKind = "podman" | "docker";

/** A container engine that answered on this host, with the options this host needs on every run. */
export interface ContainerEngine {
  kind: ContainerEngineKind;
  version: string;
  /** Options Berth adds to every `run` so that containers start on this host at all (see hostWorkarounds). */
  hostRunArgs: string[];
  /** What those options do and the containers.conf lines that would make them unnecessary, for the log. */
  workarounds: string[];
}

export type EngineDetection = { engine: ContainerEngine } | { engine?: undefined; why: string };

const runcPaths = ["/usr/sbin/runc", "/usr/bin/runc", "/usr/local/bin/runc", "/usr/local/sbin/runc"];

async function podman(): Promise<ContainerEngine | string> {
  const info = await runTool("podman", ["info", "--format", "json"], { timeoutMs: 20_000 });
  if (!info.ok) return `podman does not answer (${lastLines(info.stderr) || `exit code ${info.code}`})`;
  let parsed: { host?: { ociRuntime?: { name?: string }; cgroupVersion?: string }; version?: { Version?: string } };
  try {
    parsed = JSON.parse(info.stdout);
  } catch {
    return "podman info did not print JSON";
  }
  const hostRunArgs: string[] = [];
  const workarounds: string[] = [];
  const runtime = parsed.host?.ociRuntime?.name;
  if (runtime === "crun" && parsed.host?.cgroupVersion === "v1" && hybridCgroups()) {
    const runc = runcPaths.find((path) => existsSync(path));
    if (runc) {
      hostRunArgs.push(`--runtime=${runc}`);
      workarounds.push(
        `running containers with ${runc}, because crun refuses this host's hybrid cgroups (v1 beside a cgroup2 mount); to make it the default, set runtime = "runc" under [engine] in containers.conf`,
      );
    } else {
      workarounds.push(
        `crun cannot start containers on this host (hybrid cgroups: v1 beside a cgroup2 mount) and runc is not installed: install runc (apt-get install runc) and set runtime = "runc" under [engine] in containers.conf`,
      );
    }
  }
  const ulimits = ulimitsWithinHardLimits();
  if (ulimits.length > 0) {
    hostRunArgs.push(...ulimits.map((u) => `--ulimit=${u}`));
    workarounds.push(
      `limiting containers to ${ulimits.join(", ")} (this host's hard limits), because Berth lacks CAP_SYS_RESOURCE and podman's defaults are higher; to make it the default, set default_ulimits = [${ulimits.map((u) => `"${u}"`).join(", ")}] under [containers] in containers.conf`,
    );
  }
  return { kind: "podman", version: parsed.version?.Version ?? "unknown", hostRunArgs, workarounds };
}

async function docker(): Promise<ContainerEngine | string> {
  const version = await runTool("docker", ["version", "--format", "{{.Server.Version}}"], { timeoutMs: 20_000 });
  if (!version.ok) return `docker does not answer (${lastLines(version.stderr) || `exit code ${version.code}`})`;
  return { kind: "docker", version: version.stdout.trim(), hostRunArgs: [], workarounds: [] };
}

/** Finds the engine the setting asks for; one counts only when it answers, not merely when its client is installed. */
export async function detectEngine(setting: ContainerEngineSetting): Promise<EngineDetection> {
  if (setting === "none") return { why: "containers.engine is none" };
  const tries = setting === "auto" ? [podman, docker] : setting === "podman" ? [podman] : [docker];
  const reasons: string[] = [];
  for (const attempt of tries) {
    const found = await attempt();
    if (typeof found !== "string") return { engine: found };
    reasons.push(found);
  }
  return { why: reasons.join("; ") };
}
