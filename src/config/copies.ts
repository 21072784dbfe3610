import { resolve } from "node:path";
import { ConfigError, parseDuration } from "./errors.js";

/** Who model copies run as, and where the files they may read live (outside the private data dir). */
export interface CopiesConfig {
  /** A user name or uid[:gid]; the default user is created when the server runs as root. */
  user: string;
  /** Artifact cache, adapters and per-copy scratch dirs; default: a sibling of the data dir named <dataDir>-copies. */
  dir?: string;
  /** MPS limits for copies with an accelerator share: "auto" (default) when an MPS control daemon's pipe is found, "on", "off". */
  mps: "auto" | "on" | "off";
  /**
   * Seconds between liveness pings of a ready copy (default 15). After a missed ping the next comes
   * within a second, so a hung copy is still found within 23 s.
   */
  livenessIntervalSeconds: number;
}

export const defaultLivenessIntervalSeconds = 15;

export const defaultCopyUser = "berth-copy";

/** Environment variables that set members of the copies group. */
export const copiesEnvNames: Record<string, keyof CopiesConfig> = {
  BERTH_COPIES_USER: "user",
  BERTH_COPIES_DIR: "dir",
  BERTH_COPIES_MPS: "mps",
  BERTH_COPIES_LIVENESS_INTERVAL: "livenessIntervalSeconds",
};

export function checkCopies(raw: Partial<CopiesConfig>): CopiesConfig {
  const user = String(raw.user ?? defaultCopyUser);
  if (!/^([a-z_][a-z0-9_-]*\$?|\d+(:\d+)?)$/i.test(user)) {
    throw new ConfigError(`copies.user must be a user name (e.g. ${defaultCopyUser}) or uid[:gid] (e.g. 65534:65534), got '${user}'.`);
  }
  const mps = String(raw.mps ?? "auto");
  if (mps !== "auto" && mps !== "on" && mps !== "off") throw new ConfigError(`copies.mps must be auto, on or off, got '${mps}'.`);
  const livenessIntervalSeconds =
    raw.livenessIntervalSeconds === undefined ? defaultLivenessIntervalSeconds : parseDuration(raw.livenessIntervalSeconds, "copies.livenessIntervalSeconds");
  if (livenessIntervalSeconds < 1 || livenessIntervalSeconds > 300) {
    throw new ConfigError(`copies.livenessIntervalSeconds must be between 1 s and 300 s, got ${livenessIntervalSeconds} s.`);
  }
  return { user, dir: raw.dir === undefined || raw.dir === null || raw.dir === "" ? undefined : resolve(String(raw.dir)), mps, livenessIntervalSeconds };
}
