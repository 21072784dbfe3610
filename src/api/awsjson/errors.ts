import type { ServerResponse } from "node:http";
import { BerthError } from "../../domain/errors/berth-error.js";

/**
 * Writes an error so both SDKs find its code: the JS SDK reads __type then x-amzn-ErrorType, botocore
 * reads __type. Query-compatible services (CloudWatch) also get x-amzn-query-error.
 */
export function writeJsonError(res: ServerResponse, error: BerthError, options: { contentType: string; requestId: string; queryCompatible?: boolean }): void {
  const body = JSON.stringify({ __type: error.code, message: error.message, Message: error.message, ...error.members });
  const headers: Record<string, string | number> = {
    "content-type": options.contentType,
    "content-length": Buffer.byteLength(body),
    "x-amzn-errortype": error.code,
    "x-amzn-requestid": options.requestId,
  };
  if (options.queryCompatible) headers["x-amzn-query-error"] = `${error.queryCode ?? error.code};${error.fault === "client" ? "Sender" : "Receiver"}`;
  if (res.headersSent) {
    res.destroy();
    return;
  }
  if (res.req && !res.req.complete) closeUnreadBody(res);
  res.writeHead(error.httpStatus, headers);
  res.end(body);
}

/** How long a connection may go on sending a refused request's body after the answer, before it is closed. */
export const refusedBodyLingerMs = 5_000;

/**
 * A refusal before the body was read (no signature, a body too large): to reach the next request on the
 * connection Node reads the rest of that body, so anyone, with no key, could hold a socket for
 * requestTimeout (300 s) by sending it a byte at a time, or stream without end into it. The body is
 * read and dropped for a few seconds after the answer (closing at once would make the client's TCP stack
 * discard the answer it has not read yet), then the connection is closed.
 */
function closeUnreadBody(res: ServerResponse): void {
  const req = res.req;
  res.once("finish", () => {
    if (req.complete) return;
    const timer = setTimeout(() => {
      if (!req.complete) req.socket.destroy();
    }, refusedBodyLingerMs);
    timer.unref();
    const stop = () => clearTimeout(timer);
    req.once("end", stop);
    req.socket.once("close", stop);
  });
}

export { BerthError };
