import { createHash } from "node:crypto";
import { readdir, readFile, rm, writeFile, rename } from "node:fs/promises";
import { join } from "node:path";
import type { Validators } from "./safe-fetch.js";

/** What the cache remembers about one artifact URL: which entry its bytes are, and how to tell if they changed. */
export interface SourceRecord {
  url: string;
  /** The cache entry holding the URL's bytes (named by their sha256). */
  key: string;
  /** http(s): the response's ETag and Last-Modified, for a conditional request next time. */
  validators?: Validators;
  /** Local files: device, inode, size and times when hashed; any change means hashing again. */
  identity?: string;
}

/** One small JSON file per URL, named by the URL's hash, so records survive restarts without a database. */
export class SourceRecords {
  readonly #dir: string;

  constructor(dir: string) {
    this.#dir = dir;
  }

  async get(url: string): Promise<SourceRecord | undefined> {
    try {
      const record = JSON.parse(await readFile(this.#file(url), "utf8")) as SourceRecord;
      return record.url === url ? record : undefined;
    } catch {
      return undefined;
    }
  }

  async put(record: SourceRecord): Promise<void> {
    const file = this.#file(record.url);
    await writeFile(`${file}.new`, JSON.stringify(record), { mode: 0o600 });
    await rename(`${file}.new`, file);
  }

  async list(): Promise<SourceRecord[]> {
    const records: SourceRecord[] = [];
    for (const name of await readdir(this.#dir).catch(() => [] as string[])) {
      if (!name.endsWith(".json")) continue;
      try {
        records.push(JSON.parse(await readFile(join(this.#dir, name), "utf8")) as SourceRecord);
      } catch {
        await rm(join(this.#dir, name), { force: true });
      }
    }
    return records;
  }

  async delete(url: string): Promise<void> {
    await rm(this.#file(url), { force: true });
  }

  #file(url: string): string {
    return join(this.#dir, `${createHash("sha256").update(url).digest("hex")}.json`);
  }
}
