import type { Logger } from "../../util/logger.js";

export interface RequestContext {
  requestId: string;
  accessKeyId?: string;
  log: Logger;
  /** Time the request arrived, from performance.now(). */
  startedAt: number;
}
