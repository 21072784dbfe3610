import { existsSync, readFileSync } from "node:fs";
import { mkdir, rmdir, writeFile } from "node:fs/promises";
import { join } from "node:path";

export interface LimitRequest {
  name: string;
  memoryMaxMiB?: number;
  cpuCores?: number;
}

/** What was enforced for one copy, in words for logs and the placement view. */
export interface AppliedLimits {
  memory: string;
  cpu: string;
  /** Wraps a command so the process joins its cgroups before it runs its first instruction. */
  wrap(command: string, args: string[]): { command: string; args: string[] };
  release(): Promise<void>;
}

type Mode = { kind: "v2"; base: string } | { kind: "v1"; memory?: string; cpu?: string } | { kind: "none"; why: string };

const cgroupRoot = "/sys/fs/cgroup";

function ownPath(controller: string): string | undefined {
  for (const line of readFileSync("/proc/self/cgroup", "utf8").split("\n")) {
    const [, controllers, path] = line.split(":");
    if (controllers === undefined || path === undefined) continue;
    if (controller === "" ? controllers === "" : controllers.split(",").includes(controller)) return path;
  }
  return undefined;
}

/**
 * Puts each copy in its own cgroup below Berth's own, so the copy is limited and Berth's own limits
 * still cover it: cgroup v2 (memory.max, cpu.max) where the host delegates it, else cgroup v1.
 */
export async function detectLimits(): Promise<Mode> {
  try {
    if (process.platform !== "linux") return { kind: "none", why: "not Linux" };
    if (existsSync(join(cgroupRoot, "cgroup.controllers"))) {
      const own = ownPath("") ?? "/";
      const base = join(cgroupRoot, own, "berth-copies");
      const controllers = readFileSync(join(cgroupRoot, own, "cgroup.controllers"), "utf8");
      if (!controllers.includes("memory") || !controllers.includes("cpu"))
        return { kind: "none", why: "cgroup v2 memory/cpu controllers are not delegated to Berth" };
      await mkdir(base, { recursive: true });
      await writeFile(join(base, "cgroup.subtree_control"), "+memory +cpu");
      return { kind: "v2", base };
    }
    const memoryRoot = join(cgroupRoot, "memory");
    const cpuRoot = join(cgroupRoot, "cpu");
    const memory = existsSync(join(memoryRoot, "cgroup.procs")) ? join(memoryRoot, ownPath("memory") ?? "/", "berth-copies") : undefined;
    const cpu = existsSync(join(cpuRoot, "cgroup.procs")) ? join(cpuRoot, ownPath("cpu") ?? "/", "berth-copies") : undefined;
    if (memory) await mkdir(memory, { recursive: true });
    if (cpu) await mkdir(cpu, { recursive: true });
    if (!memory && !cpu) return { kind: "none", why: "no cgroup v1 memory or cpu hierarchy is mounted" };
    return { kind: "v1", memory, cpu };
  } catch (error) {
    return { kind: "none", why: `cgroups are not writable here (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})` };
  }
}

/** Copy ids become cgroup directory names; anything unusual is replaced. */
function groupName(name: string): string {
  return name.replace(/[^a-zA-Z0-9_.-]/g, "_");
}

export async function applyLimits(mode: Mode, request: LimitRequest): Promise<AppliedLimits> {
  const notEnforced = (why: string) => `not enforced: ${why}`;
  const groups: string[] = [];
  let memory = request.memoryMaxMiB ? notEnforced(mode.kind === "none" ? mode.why : "unavailable") : "no limit requested (MaxMemoryRequiredInMb unset)";
  let cpu = request.cpuCores ? notEnforced(mode.kind === "none" ? mode.why : "unavailable") : "no limit requested (NumberOfCpuCoresRequired unset)";
  const periodUs = 100_000;
  try {
    if (mode.kind === "v2" && (request.memoryMaxMiB || request.cpuCores)) {
      const dir = join(mode.base, groupName(request.name));
      await mkdir(dir, { recursive: true });
      groups.push(dir);
      if (request.memoryMaxMiB) {
        await writeFile(join(dir, "memory.max"), String(request.memoryMaxMiB * 1024 * 1024));
        memory = `cgroup v2 memory.max ${request.memoryMaxMiB} MiB`;
      }
      if (request.cpuCores) {
        await writeFile(join(dir, "cpu.max"), `${Math.round(request.cpuCores * periodUs)} ${periodUs}`);
        cpu = `cgroup v2 cpu.max ${request.cpuCores} cores`;
      }
    } else if (mode.kind === "v1") {
      if (request.memoryMaxMiB && mode.memory) {
        const dir = join(mode.memory, groupName(request.name));
        await mkdir(dir, { recursive: true });
        groups.push(dir);
        await writeFile(join(dir, "memory.limit_in_bytes"), String(request.memoryMaxMiB * 1024 * 1024));
        memory = `cgroup v1 memory.limit_in_bytes ${request.memoryMaxMiB} MiB`;
      }
      if (request.cpuCores && mode.cpu) {
        const dir = join(mode.cpu, groupName(request.name));
        await mkdir(dir, { recursive: true });
        groups.push(dir);
        await writeFile(join(dir, "cpu.cfs_period_us"), String(periodUs));
        await writeFile(join(dir, "cpu.cfs_quota_us"), String(Math.round(request.cpuCores * periodUs)));
        cpu = `cgroup v1 cpu.cfs_quota_us ${request.cpuCores} cores`;
      }
    }
  } catch (error) {
    const why = `writing the cgroup failed (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`;
    if (!memory.startsWith("cgroup")) memory = request.memoryMaxMiB ? notEnforced(why) : memory;
    if (!cpu.startsWith("cgroup")) cpu = request.cpuCores ? notEnforced(why) : cpu;
  }
  return {
    memory,
    cpu,
    wrap: (command, args) => {
      if (groups.length === 0) return { command, args };
      const joinGroups = groups.map((g) => `echo $$ > '${g}/cgroup.procs'`).join(" && ");
      return { command: "/bin/sh", args: ["-c", `${joinGroups} && exec "$@"`, "berth-copy", command, ...args] };
    },
    release: async () => {
      for (const dir of groups) await rmdir(dir).catch(() => undefined);
    },
  };
}

export type LimitsMode = Mode;
