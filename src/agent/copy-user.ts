import { existsSync } from "node:fs";
import type { Logger } from "../util/logger.js";
import { runTool } from "../util/run-tool.js";

/** The user model copies run as. */
export interface CopyIdentity {
  uid: number;
  gid: number;
  /** In words, for logs: "berth-copy (uid 998, gid 998)". */
  describe: string;
  /** False when the server is not root and copies simply run as the server's own user. */
  switched: boolean;
}

export class CopyUserError extends Error {
  override name = "CopyUserError";
}

const setprivPaths = ["/usr/bin/setpriv", "/bin/setpriv", "/usr/sbin/setpriv"];

/** util-linux setpriv, which drops the copy's privileges and sets its parent-death signal; undefined where missing. */
export function findSetpriv(): string | undefined {
  return setprivPaths.find((p) => existsSync(p));
}

const run = (command: string, args: string[]) => runTool(command, args, { timeoutMs: 10_000 });

async function lookupUser(nameOrUid: string): Promise<{ name: string; uid: number; gid: number } | undefined> {
  const result = await run("getent", ["passwd", nameOrUid]);
  if (!result.ok) return undefined;
  const [name, , uid, gid] = result.stdout.trim().split("\n")[0]!.split(":");
  if (name === undefined || uid === undefined || gid === undefined) return undefined;
  return { name, uid: Number(uid), gid: Number(gid) };
}

/**
 * Decides which user copies run as. As root: the configured user (created as a system user when
 * missing); otherwise the server cannot switch user, so copies run as the server's own user.
 */
export async function resolveCopyIdentity(setting: string, log: Logger): Promise<CopyIdentity> {
  const ownUid = process.getuid?.() ?? 0;
  const ownGid = process.getgid?.() ?? 0;
  if (ownUid !== 0) {
    log.info(`the server is not running as root, so model copies run as its own user (uid ${ownUid}); copies.user '${setting}' applies only to a root server`);
    return { uid: ownUid, gid: ownGid, describe: `the server's own user (uid ${ownUid}, gid ${ownGid})`, switched: false };
  }
  const numeric = /^(\d+)(?::(\d+))?$/.exec(setting);
  let identity: { name: string; uid: number; gid: number } | undefined;
  if (numeric) {
    const uid = Number(numeric[1]);
    const known = await lookupUser(String(uid));
    identity = { name: known?.name ?? `uid ${uid}`, uid, gid: numeric[2] !== undefined ? Number(numeric[2]) : (known?.gid ?? uid) };
  } else {
    identity = await lookupUser(setting);
    identity ??= await createSystemUser(setting, log);
  }
  const describe = `${identity.name} (uid ${identity.uid}, gid ${identity.gid})`;
  if (identity.uid === 0) log.warn(`copies.user is root: model copies run with full control of this host. Set copies.user to an unprivileged user.`);
  return { uid: identity.uid, gid: identity.gid, describe, switched: true };
}

/** A missing copy user is created as a system user with its own group, no home and no login shell. */
async function createSystemUser(name: string, log: Logger): Promise<{ name: string; uid: number; gid: number }> {
  const result = await run("useradd", ["--system", "--user-group", "--no-create-home", "--shell", "/usr/sbin/nologin", name]);
  // Another server on this host may have created it at the same moment.
  const created = await lookupUser(name);
  if (!created) {
    throw new CopyUserError(
      `copies.user '${name}' does not exist on this host and could not be created (${result.stderr.trim() || "useradd failed"}). ` +
        `Create it (useradd --system --user-group --no-create-home --shell /usr/sbin/nologin ${name}), or give a uid[:gid] such as 65534:65534.`,
    );
  }
  if (result.ok) log.info(`created system user ${name} (uid ${created.uid}) to run model copies`);
  return created;
}
