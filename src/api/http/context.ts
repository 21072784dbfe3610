import type { RequestAuth } from "../../auth/gate.js";
import type { Logger } from "../../util/logger.js";

export interface RequestContext {
  requestId: string;
  log: Logger;
  /** Time the request arrived, from performance.now(). */
  startedAt: number;
  /** The caller's verified identity and what its policy allows; set once the request is admitted. */
  auth: RequestAuth;
  /** Reads the body up to a limit and finishes verifying the signature over it (every body goes through here). */
  readBody(limitBytes: number): Promise<Buffer>;
}
