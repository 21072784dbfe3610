import { existsSync, readFileSync } from "node:fs";
import { endianness } from "node:os";
import { join } from "node:path";

/** What /proc tells about one process: CPU time used so far (clock ticks) and resident memory. */
export interface ProcessSample {
  cpuTicks: number;
  rssKiB: number;
}

/**
 * utime + stime (fields 14 and 15) and rss in pages (field 24) from /proc/<pid>/stat; the command name
 * may hold spaces and parentheses, so fields are counted from its closing parenthesis.
 */
export function parseStat(stat: string): { cpuTicks: number; rssPages: number } | undefined {
  const close = stat.lastIndexOf(")");
  if (close < 0) return undefined;
  const fields = stat.slice(close + 2).split(" ", 22);
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  const rssPages = Number(fields[21]);
  return Number.isFinite(utime) && Number.isFinite(stime) && Number.isFinite(rssPages) ? { cpuTicks: utime + stime, rssPages } : undefined;
}

/** AT_PAGESZ from the auxiliary vector the kernel gave this process (/proc/self/auxv): pairs of native words. */
export function pageSizeFromAuxv(auxv: Buffer, wordBytes: 4 | 8, littleEndian: boolean): number | undefined {
  const atPageSize = 6;
  const word = (at: number) =>
    wordBytes === 8 ? Number(littleEndian ? auxv.readBigUInt64LE(at) : auxv.readBigUInt64BE(at)) : littleEndian ? auxv.readUInt32LE(at) : auxv.readUInt32BE(at);
  for (let at = 0; at + 2 * wordBytes <= auxv.length; at += 2 * wordBytes) {
    const key = word(at);
    if (key === 0) return undefined;
    if (key === atPageSize) return word(at + wordBytes);
  }
  return undefined;
}

const is64Bit = ["x64", "arm64", "ppc64", "s390x", "riscv64", "loong64", "mips64el"].includes(process.arch);

export class ProcReader {
  readonly root: string;
  /** Bytes per page, for stat's rss; 4 KiB where auxv cannot be read (every Linux on x86). */
  readonly pageBytes: number;

  constructor(root = "/proc") {
    this.root = root;
    let pageBytes: number | undefined;
    try {
      pageBytes = pageSizeFromAuxv(readFileSync(join(root, "self", "auxv")), is64Bit ? 8 : 4, endianness() === "LE");
    } catch {
      pageBytes = undefined;
    }
    this.pageBytes = pageBytes !== undefined && pageBytes > 0 ? pageBytes : 4096;
  }

  available(): boolean {
    return existsSync(join(this.root, "self", "stat"));
  }

  /** Undefined when the process is gone or its stat cannot be read. One small read: stat holds both figures. */
  sample(pid: number): ProcessSample | undefined {
    try {
      const parsed = parseStat(readFileSync(join(this.root, String(pid), "stat"), "latin1"));
      return parsed && { cpuTicks: parsed.cpuTicks, rssKiB: (parsed.rssPages * this.pageBytes) / 1024 };
    } catch {
      return undefined;
    }
  }
}
