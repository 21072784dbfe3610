import { chmodSync, mkdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { storageMessages, type StorageFaultKind } from "../domain/errors/storage.js";
import type { Logger } from "../util/logger.js";

export type { StorageFaultKind };

const sqliteCodes: [prefix: string, kind: StorageFaultKind][] = [
  ["SQLITE_FULL", "full"],
  ["SQLITE_READONLY", "unwritable"],
  ["SQLITE_CANTOPEN", "unwritable"],
  ["SQLITE_PERM", "unwritable"],
  ["SQLITE_AUTH", "unwritable"],
  ["SQLITE_CORRUPT", "damaged"],
  ["SQLITE_NOTADB", "damaged"],
  ["SQLITE_IOERR", "io"],
];

const errnoCodes: Record<string, StorageFaultKind> = {
  ENOSPC: "full",
  EDQUOT: "full",
  EFBIG: "full",
  EROFS: "unwritable",
  EACCES: "unwritable",
  EPERM: "unwritable",
  EIO: "io",
};

/** What kind of storage fault an error from SQLite or the file system is, if it is one. */
export function storageFaultKind(error: unknown): StorageFaultKind | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== "string") return undefined;
  // A refused bind (EACCES on a low port) is not about the data directory.
  if ((error as { syscall?: unknown }).syscall === "listen") return undefined;
  return sqliteCodes.find(([prefix]) => code.startsWith(prefix))?.[1] ?? errnoCodes[code];
}

/** A write (or read) the data directory refused: the disk is full, read-only, damaged or failing. Nothing was changed. */
export class StorageFaultError extends Error {
  readonly kind: StorageFaultKind;
  readonly dataDir: string;
  readonly code: string;

  constructor(kind: StorageFaultKind, dataDir: string, code: string) {
    super(storageMessages.fault(kind, dataDir, code));
    this.name = "StorageFaultError";
    this.kind = kind;
    this.dataDir = dataDir;
    this.code = code;
  }

  static is(value: unknown): value is StorageFaultError {
    return value instanceof Error && value.name === "StorageFaultError";
  }

  static from(error: unknown, dataDir: string): StorageFaultError | undefined {
    if (StorageFaultError.is(error)) return error;
    const kind = storageFaultKind(error);
    return kind ? new StorageFaultError(kind, dataDir, String((error as { code: string }).code)) : undefined;
  }
}

function probe(dataDir: string): StorageFaultError | undefined {
  try {
    prepareDataDir(dataDir);
    return undefined;
  } catch (error) {
    return StorageFaultError.is(error) ? error : undefined;
  }
}

/**
 * Creates the data directory private to the server's user (it holds the state and the credentials), and
 * checks that a file can be written in it, so a read-only one is named at start. Returns the looser mode
 * the directory had when it was tightened, else undefined.
 */
export function prepareDataDir(dataDir: string): number | undefined {
  try {
    mkdirSync(dataDir, { recursive: true, mode: 0o700 });
    const mode = statSync(dataDir).mode & 0o777;
    if (mode !== 0o700) chmodSync(dataDir, 0o700);
    const probe = join(dataDir, `.write-probe-${process.pid}`);
    writeFileSync(probe, "");
    rmSync(probe);
    return mode === 0o700 ? undefined : mode;
  } catch (error) {
    throw StorageFaultError.from(error, dataDir) ?? error;
  }
}

/**
 * Whether the data directory takes writes. Logs once when a fault starts (or changes kind) and once when
 * writes succeed again, however many requests meet it in between.
 */
export class StorageHealth {
  readonly dataDir: string;
  readonly #log?: Logger;
  #fault: StorageFaultKind | undefined;

  constructor(options: { dataDir: string; log?: Logger }) {
    this.dataDir = options.dataDir;
    this.#log = options.log;
  }

  get fault(): StorageFaultKind | undefined {
    return this.#fault;
  }

  /** Turns a storage error into a StorageFaultError (logging it if it is news); other errors come back unchanged. */
  failed(error: unknown): unknown {
    let fault = StorageFaultError.from(error, this.dataDir);
    if (!fault) return error;
    // SQLite reports a file system gone read-only (or full) under it as a plain I/O error; a probe file tells which.
    if (fault.kind === "io") fault = probe(this.dataDir) ?? fault;
    if (this.#fault !== fault.kind) {
      this.#fault = fault.kind;
      this.#log?.error({ dataDir: this.dataDir, storageFault: fault.kind, code: fault.code }, fault.message);
    }
    return fault;
  }

  succeeded(): void {
    if (this.#fault === undefined) return;
    this.#fault = undefined;
    this.#log?.info({ dataDir: this.dataDir }, storageMessages.recovered(this.dataDir));
  }
}
