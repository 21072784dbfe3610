import { chmodSync, mkdirSync, statSync } from "node:fs";
import type { Logger } from "../util/logger.js";

/** The data dir holds the state database and credentials: only the server's user may enter it. */
export function makePrivateDataDir(dataDir: string, log: Logger): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const mode = statSync(dataDir).mode & 0o777;
  if (mode === 0o700) return;
  chmodSync(dataDir, 0o700);
  log.info(`tightened the data dir ${dataDir} from mode ${mode.toString(8)} to 700, so only the server's user can read it`);
}
