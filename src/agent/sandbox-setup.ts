import type { CopiesConfig } from "../config/config.js";
import type { Logger } from "../util/logger.js";
import { CopyFiles } from "./copy-files.js";
import { CopySandbox } from "./copy-sandbox.js";
import { CopyUserError, findSetpriv, resolveCopyIdentity } from "./copy-user.js";

/** Copies' user and files: outside the private data dir, readable by the copy user's group only. */
export async function buildCopySandbox(copies: CopiesConfig, dataDir: string, log: Logger): Promise<CopySandbox> {
  const identity = await resolveCopyIdentity(copies.user, log);
  const setpriv = findSetpriv();
  if (!setpriv) {
    if (identity.switched)
      throw new CopyUserError(
        "util-linux setpriv is not installed, so model copies cannot be started as copies.user. Install util-linux (apt-get install util-linux).",
      );
    log.warn("util-linux setpriv is not installed: model copies run without no_new_privs and are not killed if the server dies. Install util-linux.");
  }
  const files = new CopyFiles(copies.dir ?? `${dataDir}-copies`, identity);
  await files.prepare(log);
  return new CopySandbox(identity, files, setpriv);
}
