import { readFileSync } from "node:fs";

/** Linux's USER_HZ, the unit of utime and stime in /proc/<pid>/stat; 100 on every mainstream kernel build. */
const ticksPerSecond = 100;

/** CPU seconds (user + system) a process has used so far, or NaN where /proc cannot tell. */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which is in parentheses and may contain spaces.
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond;
  } catch {
    return NaN;
  }
}

/** The direct children of a process (nginx's worker, for one). */
export function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Measures the cores each named process group used while `work` ran. */
export async function coresUsed<T>(groups: Record<string, number[]>, work: () => Promise<T>): Promise<{ result: T; cores: Record<string, number> }> {
  const total = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, total(pids)]));
  const started = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cores = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, (total(pids) - before[name]!) / seconds]));
  return { result, cores };
}
