import { resolve } from "node:path";
import { ConfigError } from "./errors.js";

/** Who model copies run as, and where the files they may read live (outside the private data dir). */
export interface CopiesConfig {
  /** A user name or uid[:gid]; the default user is created when the server runs as root. */
  user: string;
  /** Artifact cache, adapters and per-copy scratch dirs; default: a sibling of the data dir named <dataDir>-copies. */
  dir?: string;
}

export const defaultCopyUser = "berth-copy";

/** Environment variables that set members of the copies group. */
export const copiesEnvNames: Record<string, keyof CopiesConfig> = {
  BERTH_COPIES_USER: "user",
  BERTH_COPIES_DIR: "dir",
};

export function checkCopies(raw: Partial<CopiesConfig>): CopiesConfig {
  const user = String(raw.user ?? defaultCopyUser);
  if (!/^([a-z_][a-z0-9_-]*\$?|\d+(:\d+)?)$/i.test(user)) {
    throw new ConfigError(`copies.user must be a user name (e.g. ${defaultCopyUser}) or uid[:gid] (e.g. 65534:65534), got '${user}'.`);
  }
  return { user, dir: raw.dir === undefined || raw.dir === null || raw.dir === "" ? undefined : resolve(String(raw.dir)) };
}
