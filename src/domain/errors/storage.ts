import { BerthError } from "./berth-error.js";

/** full: no space (or a file-size limit); unwritable: read-only or no permission; damaged: not a valid database; io: the disk fails. */
export type StorageFaultKind = "full" | "unwritable" | "damaged" | "io";

const problem: Record<StorageFaultKind, (dataDir: string) => string> = {
  full: (dir) => `the file system holding Berth's data directory ${dir} is full`,
  unwritable: (dir) => `Berth's data directory ${dir} is read-only or not writable by the server's user`,
  damaged: (dir) => `a database file in Berth's data directory ${dir} is damaged or is not one of Berth's databases`,
  io: (dir) => `the disk holding Berth's data directory ${dir} reports I/O errors`,
};

const fix: Record<StorageFaultKind, string> = {
  full: "Free space on that file system (or raise its quota).",
  unwritable: "Make the directory writable: remount its file system read-write, or give the server's user write permission.",
  damaged: "Restore berth.db (the state) from a backup or move it aside to start empty; metrics.db holds only metrics and may be deleted.",
  io: "Check the disk (dmesg, SMART) and its file system.",
};

/** Texts of storage faults: the log line, the start-up message and the 503 a client gets. */
export const storageMessages = {
  fault: (kind: StorageFaultKind, dataDir: string, code: string) =>
    `Berth cannot write its state: ${problem[kind](dataDir)} (${code}). Requests that change state answer ServiceUnavailable until this is fixed; nothing stored is lost. ${fix[kind]}`,
  recovered: (dataDir: string) => `Berth's data directory ${dataDir} takes writes again; requests that change state succeed again.`,
  startup: (kind: StorageFaultKind, dataDir: string, code: string) =>
    `Berth cannot start: ${problem[kind](dataDir)} (${code}). ${fix[kind]} Then start the server again, or pass --data-dir to use another directory.`,
};

export const storageErrors = {
  /** 503 in every protocol: the SDKs retry it, and it is the common AWS error for a temporary server-side failure. */
  unavailable: (kind: StorageFaultKind, dataDir: string) =>
    new BerthError({
      code: "ServiceUnavailable",
      queryCode: "ServiceUnavailable",
      httpStatus: 503,
      retryable: true,
      message: `The request could not be completed because ${problem[kind](dataDir)}. Nothing was changed. Retry once the server's operator has fixed it: ${fix[kind]}`,
    }),
  /** The records this request would write exceed what one etcd write may carry: a client error, not worth retrying. */
  storeRequestTooLarge: (detail: string) =>
    new BerthError({
      code: "ValidationException",
      queryCode: "ValidationError",
      httpStatus: 400,
      message: `The request is too large to store: ${detail}. Nothing was changed. Make the request smaller (fewer or shorter environment variables, tags or other fields); an operator can raise every etcd member's --max-request-bytes.`,
    }),
  /** The cluster's store (etcd) cannot be reached: the same retryable 503. */
  storeUnreachable: () =>
    new BerthError({
      code: "ServiceUnavailable",
      queryCode: "ServiceUnavailable",
      httpStatus: 503,
      retryable: true,
      message:
        "The request could not be completed because Berth's cluster store (etcd) cannot be reached. Nothing was changed. Retry in a few seconds; if it lasts, the operator should check the etcd members (etcdctl endpoint health).",
    }),
};
