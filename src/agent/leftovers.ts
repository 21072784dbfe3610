import { readdirSync, readFileSync } from "node:fs";

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
