import { spawn, spawnSync, type ChildProcess, type StdioOptions } from "node:child_process";
import { readFileSync } from "node:fs";

/** Linux's USER_HZ, the unit of /proc CPU times; 100 on every mainstream kernel build. */
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

/** CPU seconds the whole machine has been busy running processes (all cores), or NaN. */
export function machineBusySeconds(): number {
  try {
    const [, ...ticks] = readFileSync("/proc/stat", "utf8").split("\n", 1)[0]!.trim().split(/\s+/);
    // user nice system idle iowait irq softirq steal. Interrupt time is left out: loopback traffic is
    // ours but is not charged to our processes. Steal counts: time the host gave to other machines.
    const [user, nice, system, , , , , steal] = ticks.map(Number);
    return (user! + nice! + system! + (steal ?? 0)) / ticksPerSecond;
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

export interface CpuUse {
  /** Cores each named group of processes used on average. */
  cores: Record<string, number>;
  /** Cores used by everything else on the machine: other people's work, which makes numbers noisy. */
  other: number;
  /** Wall time measured. */
  seconds: number;
}

/** Measures the cores each named process group, and the rest of the machine, used while `work` ran. */
export async function measureCpu<T>(groups: Record<string, number[]>, work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const total = (pids: number[]) => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
  const ours = () => Object.values(groups).reduce((sum, pids) => sum + total(pids), cpuSeconds(process.pid));
  const before = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, total(pids)]));
  const busyBefore = machineBusySeconds() - ours();
  const started = process.hrtime.bigint();
  const result = await work();
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const cores = Object.fromEntries(Object.entries(groups).map(([name, pids]) => [name, (total(pids) - before[name]!) / seconds]));
  const other = Math.max(0, (machineBusySeconds() - ours() - busyBefore) / seconds);
  return { result, cpu: { cores, other, seconds } };
}

export interface QuietOptions {
  /** A run during which the rest of the machine used more cores than this is run again... */
  maxOtherCores: number;
  /** ...up to this many runs in all, keeping the quietest. */
  attempts: number;
  /** Before each run, how long to wait for the rest of the machine to calm down. */
  patienceMs: number;
}

/**
 * Runs a measurement when the rest of the machine is quiet, again if it did not stay quiet, and keeps
 * the quietest run: on a shared machine a build or test run elsewhere would otherwise show up as a
 * slow router. Bounded: at most `attempts` runs, each after at most `patienceMs` of waiting.
 */
export async function quietest<T>(
  groups: Record<string, number[]>,
  options: QuietOptions,
  work: () => Promise<T>,
): Promise<{ result: T; cpu: CpuUse; attempts: number }> {
  let best: { result: T; cpu: CpuUse } | undefined;
  let attempts = 0;
  while (attempts < options.attempts) {
    attempts++;
    await waitForQuiet(groups, options);
    const run = await measureCpu(groups, work);
    if (!best || run.cpu.other < best.cpu.other) best = run;
    if (!(run.cpu.other > options.maxOtherCores)) break;
  }
  return { ...best!, attempts };
}

async function waitForQuiet(groups: Record<string, number[]>, options: QuietOptions): Promise<void> {
  const deadline = Date.now() + options.patienceMs;
  while (Date.now() < deadline) {
    const { cpu } = await measureCpu(groups, () => new Promise((resolve) => setTimeout(resolve, 300)));
    if (!(cpu.other > options.maxOtherCores)) return;
  }
}

/** Whether taskset (util-linux) is here to pin processes to CPUs. */
export function canPin(): boolean {
  return spawnSync("taskset", ["-p", String(process.pid)], { encoding: "utf8" }).status === 0;
}

/** Starts `node <args>`, on these CPUs when given (taskset -c, which execs node, so the pid stays node's own). */
export function spawnNode(args: string[], options: { cpus?: string; stdio: StdioOptions }): ChildProcess {
  return options.cpus
    ? spawn("taskset", ["-c", options.cpus, process.execPath, ...args], { stdio: options.stdio })
    : spawn(process.execPath, args, { stdio: options.stdio });
}

/** Moves a running process, every thread of it, onto these CPUs (taskset -a -p -c). */
export function pinProcess(pid: number, cpus: string): void {
  const result = spawnSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`taskset -a -p -c ${cpus} ${pid} failed: ${result.stderr.trim()}`);
}
