import { readdirSync, readFileSync } from "node:fs";

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Resident bytes (VmRSS) of a process and every process below it, from /proc; 0 where /proc cannot tell. */
export function residentBytes(rootPid: number): number {
  const children = new Map<number, number[]>();
  let entries: string[] = [];
  try {
    entries = readdirSync("/proc");
  } catch {
    return 0;
  }
  for (const entry of entries) {
    if (!/^\d+$/.test(entry)) continue;
    const stat = read(`/proc/${entry}/stat`);
    // The command name may hold spaces and parentheses; the parent PID is the second field after its closing one.
    const ppid = stat === undefined ? undefined : Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
    if (ppid !== undefined && Number.isFinite(ppid)) children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  let bytes = 0;
  const pending = [rootPid];
  for (let pid = pending.pop(); pid !== undefined; pid = pending.pop()) {
    const rss = /^VmRSS:\s+(\d+) kB/m.exec(read(`/proc/${pid}/status`) ?? "");
    if (rss) bytes += Number(rss[1]) * 1024;
    pending.push(...(children.get(pid) ?? []));
  }
  return bytes;
}

/** MemAvailable from /proc/meminfo, in bytes; undefined where it cannot be read. */
export function availableMemoryBytes(): number | undefined {
  const found = /^MemAvailable:\s+(\d+) kB/m.exec(read("/proc/meminfo") ?? "");
  return found ? Number(found[1]) * 1024 : undefined;
}
