import { chmod, chown, mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import type { Logger } from "../util/logger.js";
import type { CopyIdentity } from "./copy-user.js";

/** Copy ids become directory names; anything unusual is replaced. */
function safeName(copyId: string): string {
  return copyId.replace(/[^a-zA-Z0-9_.-]/g, "_");
}

const sharedMode = 0o750;

/**
 * The files copies may use, kept outside the private data dir: the artifact cache and adapters (readable
 * by the copy user's group only) and one private scratch dir per copy, which is its HOME and TMPDIR.
 */
export class CopyFiles {
  readonly root: string;
  readonly #identity: CopyIdentity;

  constructor(root: string, identity: CopyIdentity) {
    this.root = root;
    this.#identity = identity;
  }

  get artifactsDir(): string {
    return join(this.root, "artifacts");
  }

  adaptersDir(copyId: string): string {
    return join(this.root, "adapters", safeName(copyId));
  }

  scratchDir(copyId: string): string {
    return join(this.root, "scratch", safeName(copyId));
  }

  /** Creates the copies dir (0750, owned by root and the copy user's group) and tightens it if it is looser. */
  async prepare(log: Logger): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: sharedMode });
    const before = (await stat(this.root)).mode & 0o777;
    await this.shareDir(this.root);
    if (before & 0o007) log.info(`tightened the copies dir ${this.root} from mode ${before.toString(8)} to ${sharedMode.toString(8)}`);
    for (const dir of [this.artifactsDir, join(this.root, "adapters"), join(this.root, "scratch")]) {
      await mkdir(dir, { recursive: true, mode: sharedMode });
      await this.shareDir(dir);
    }
  }

  /** A fresh private scratch dir for one run of a copy, with HOME and TMPDIR inside it. */
  async freshScratch(copyId: string): Promise<{ home: string; tmp: string }> {
    const dir = this.scratchDir(copyId);
    await rm(dir, { recursive: true, force: true });
    const home = join(dir, "home");
    const tmp = join(dir, "tmp");
    for (const path of [dir, home, tmp]) {
      await mkdir(path, { mode: 0o700 });
      if (this.#identity.switched) await chown(path, this.#identity.uid, this.#identity.gid);
    }
    return { home, tmp };
  }

  async removeScratch(copyId: string): Promise<void> {
    await rm(this.scratchDir(copyId), { recursive: true, force: true });
  }

  /** Gives a directory the copies dir's owner and mode: root's, readable by the copy user's group only. */
  async shareDir(dir: string): Promise<void> {
    if (this.#identity.switched) await chown(dir, 0, this.#identity.gid);
    await chmod(dir, sharedMode);
  }
}
