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
  res.writeHead(error.httpStatus, headers);
  res.end(body);
}

export { BerthError };
