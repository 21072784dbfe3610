import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

/** What /proc tells about one process: CPU time used so far (clock ticks) and resident memory. */
export interface ProcessSample {
  cpuTicks: number;
  rssKiB: number;
}

/** utime + stime from /proc/<pid>/stat (fields 14 and 15; the command name may hold spaces and parentheses). */
export function parseStatCpuTicks(stat: string): number | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ");
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? utime + stime : undefined;
}

/** VmRSS from /proc/<pid>/status, in KiB. */
export function parseStatusRssKiB(status: string): number | undefined {
  const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return match ? Number(match[1]) : undefined;
}

export class ProcReader {
  readonly root: string;

  constructor(root = "/proc") {
    this.root = root;
  }

  available(): boolean {
    return existsSync(join(this.root, "self", "stat"));
  }

  /** Undefined when the process is gone or its files cannot be read. */
  sample(pid: number): ProcessSample | undefined {
    try {
      const cpuTicks = parseStatCpuTicks(readFileSync(join(this.root, String(pid), "stat"), "utf8"));
      const rssKiB = parseStatusRssKiB(readFileSync(join(this.root, String(pid), "status"), "utf8"));
      if (cpuTicks === undefined || rssKiB === undefined) return undefined;
      return { cpuTicks, rssKiB };
    } catch {
      return undefined;
    }
  }
}
