import { writeFileSync } from "node:fs";
import { gzipSync } from "node:zlib";
import { Header } from "tar";

export interface TarEntry {
  path: string;
  type?: "File" | "Directory" | "SymbolicLink" | "Link" | "CharacterDevice" | "BlockDevice" | "FIFO";
  mode?: number;
  uid?: number;
  gid?: number;
  body?: string | Buffer;
  /** Declared size when it differs from the body (a header that promises more than it holds). */
  size?: number;
  linkpath?: string;
}

/** Writes a .tar.gz holding exactly these entries, headers and all, as a hostile archive would. */
export function writeTarball(file: string, entries: TarEntry[]): void {
  writeFileSync(file, gzipSync(tarBytes(entries)));
}

export function tarBytes(entries: TarEntry[]): Buffer {
  const blocks: Buffer[] = [];
  for (const entry of entries) {
    const body = Buffer.from(entry.body ?? "");
    const header = Buffer.alloc(512);
    new Header({
      path: entry.path,
      type: entry.type ?? "File",
      mode: entry.mode ?? (entry.type === "Directory" ? 0o755 : 0o644),
      uid: entry.uid ?? 0,
      gid: entry.gid ?? 0,
      size: entry.size ?? body.length,
      mtime: new Date(0),
      linkpath: entry.linkpath,
    }).encode(header);
    blocks.push(header, body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  blocks.push(Buffer.alloc(1024));
  return Buffer.concat(blocks);
}
