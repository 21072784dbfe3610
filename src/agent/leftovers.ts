import { execFile } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { Logger } from "../util/logger.js";
import { containerLabels, type ContainerRuntime } from "./images.js";

/** The variable every process copy of one agent carries, naming the agent, so a restarted agent can find them. */
export const agentMarkerVariable = "BERTH_AGENT";

function environOf(pid: number): string[] | undefined {
  try {
    return readFileSync(`/proc/${pid}/environ`, "utf8").split("\0");
  } catch {
    return undefined;
  }
}

/** A recorded PID counts only while it still carries the copy's id: PIDs are reused. */
export function belongsToCopy(pid: number, copyId: string): boolean {
  return environOf(pid)?.includes(`BERTH_COPY_ID=${copyId}`) ?? false;
}

/**
 * Kills every process that carries this agent's marker (copies of a previous run, and anything they
 * started), except this process. Returns the PIDs it killed.
 */
export function killMarkedProcesses(agentLabel: string): number[] {
  const marker = `${agentMarkerVariable}=${agentLabel}`;
  const killed: number[] = [];
  let entries: string[];
  try {
    entries = readdirSync("/proc");
  } catch {
    return killed;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const pid = Number(entry);
    if (pid === process.pid || !environOf(pid)?.includes(marker)) continue;
    try {
      process.kill(pid, "SIGKILL");
      killed.push(pid);
    } catch {
      // Gone already.
    }
  }
  return killed;
}

/** `ps` arguments that list this agent's containers, running or not, by label. */
export function containerQueryArgs(agentLabel: string): string[] {
  return ["ps", "--all", "--no-trunc", `--filter=label=${containerLabels.agent}=${agentLabel}`, "--format={{.ID}}\t{{.Names}}"];
}

/** Parses the `ps` output of containerQueryArgs: one "id<TAB>name" per line. */
export function parseContainerList(stdout: string): { id: string; name: string }[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [id, name = ""] = line.split("\t");
      return { id: id!, name };
    })
    .filter((c) => /^[0-9a-f]{12,64}$/i.test(c.id));
}

function run(command: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(command, args, { timeout: 60_000 }, (error, stdout, stderr) => resolve({ ok: !error, stdout: String(stdout), stderr: String(stderr) }));
  });
}

/** Removes this agent's containers left by a previous run (their clients died with it; the containers did not). */
export async function removeLeftoverContainers(runtime: ContainerRuntime, agentLabel: string, log: Logger): Promise<void> {
  const listed = await run(runtime, containerQueryArgs(agentLabel));
  if (!listed.ok) {
    log.warn(`could not list leftover ${runtime} containers of this agent: ${listed.stderr.trim()}`);
    return;
  }
  const containers = parseContainerList(listed.stdout);
  if (containers.length === 0) return;
  const removed = await run(runtime, ["rm", "--force", "--", ...containers.map((c) => c.id)]);
  if (removed.ok)
    log.info(`removed ${containers.length} leftover ${runtime} container(s) from a previous run: ${containers.map((c) => c.name || c.id).join(", ")}`);
  else log.warn(`could not remove leftover ${runtime} containers ${containers.map((c) => c.name || c.id).join(", ")}: ${removed.stderr.trim()}`);
}
