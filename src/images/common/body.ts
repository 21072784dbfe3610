import type { IncomingMessage, ServerResponse } from "node:http";

/** The whole request body; one chunk is returned as is, without a copy. */
export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks)));
    req.on("error", reject);
  });
}

export function isStreamRequest(req: IncomingMessage): boolean {
  return req.headers["x-berth-stream"] === "true";
}

/** Aborted when the client goes away before the response is complete, so work for it can stop. */
export function disconnectSignal(res: ServerResponse): AbortSignal {
  const controller = new AbortController();
  res.once("close", () => {
    if (!res.writableFinished) controller.abort(new Error("client disconnected"));
  });
  return controller.signal;
}

export interface JsonAnswer {
  status: number;
  json: unknown;
  headers?: Record<string, string>;
}

export function sendJson(res: ServerResponse, answer: JsonAnswer): void {
  const body = JSON.stringify(answer.json);
  res.writeHead(answer.status, { ...answer.headers, "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
