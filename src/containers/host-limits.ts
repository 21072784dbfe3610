import { readFileSync } from "node:fs";

/** CAP_SYS_RESOURCE: without it, no process here may raise a resource limit above its current hard limit. */
const capSysResource = 24n;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

export function hasSysResourceCapability(status = read("/proc/self/status")): boolean {
  const match = /^CapEff:\s*([0-9a-f]+)$/im.exec(status ?? "");
  if (!match) return true;
  return ((BigInt(`0x${match[1]}`) >> capSysResource) & 1n) === 1n;
}

/** The hard limit of one row of /proc/self/limits ("Max open files", "Max processes"); undefined when unlimited or unknown. */
export function hardLimit(row: string, limits = read("/proc/self/limits")): number | undefined {
  for (const line of (limits ?? "").split("\n")) {
    if (!line.startsWith(row)) continue;
    const hard = line.slice(row.length).trim().split(/\s+/)[1];
    return hard === undefined || hard === "unlimited" ? undefined : Number(hard);
  }
  return undefined;
}

/**
 * The `--ulimit` options a container may be given here: podman's defaults (1048576 files and processes)
 * are above this process's hard limits, and without CAP_SYS_RESOURCE the runtime cannot raise them, so
 * every container start fails ("setrlimit ... operation not permitted"). Measured on Debian 12: conmon
 * caps the process limit at kernel.pid_max as well.
 */
export function ulimitsWithinHardLimits(): string[] {
  if (hasSysResourceCapability()) return [];
  const options: string[] = [];
  const files = hardLimit("Max open files");
  if (files !== undefined) options.push(`nofile=${files}:${files}`);
  const processes = hardLimit("Max processes");
  const pidMax = Number(read("/proc/sys/kernel/pid_max")?.trim());
  const cap = [processes, Number.isSafeInteger(pidMax) && pidMax > 0 ? pidMax : undefined].filter((n): n is number => n !== undefined);
  if (cap.length > 0) {
    const n = Math.min(...cap);
    options.push(`nproc=${n}:${n}`);
  }
  return options;
}

/** True when cgroup v1 is mounted beside a cgroup2 hierarchy ("hybrid"), which crun refuses. */
export function hybridCgroups(mountinfo = read("/proc/self/mountinfo")): boolean {
  const types = (mountinfo ?? "").split("\n").map((line) => line.split(" - ")[1]?.split(" ")[0]);
  return types.includes("cgroup") && types.includes("cgroup2");
}
