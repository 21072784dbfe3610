import type { Dispatcher, Pool } from "undici";

/**
 * The copy-side half of both Node-floor proxies: one POST to the copy through undici's dispatch(), its answer
 * gathered whole and handed to `reply` (502 with no body when the copy cannot be reached).
 */
export function relayToCopy(
  pool: Pool,
  contentType: string,
  body: Buffer,
  reply: (status: number, contentType: string, answer: Buffer | undefined) => void,
): void {
  const answer: Buffer[] = [];
  let status = 502;
  let answerType = "application/octet-stream";
  const handler: Dispatcher.DispatchHandler = {
    onRequestStart() {},
    onResponseStart(_controller, statusCode, headers) {
      status = statusCode;
      answerType = String(headers["content-type"] ?? answerType);
    },
    onResponseData(_controller, chunk) {
      answer.push(chunk);
    },
    onResponseEnd() {
      reply(status, answerType, answer.length === 1 ? answer[0]! : Buffer.concat(answer));
    },
    onResponseError() {
      reply(502, answerType, undefined);
    },
  };
  pool.dispatch({ path: "/invocations", method: "POST", headers: { "content-type": contentType }, body }, handler);
}
