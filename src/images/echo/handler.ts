import type { IncomingMessage, ServerResponse } from "node:http";
import { isStreamRequest } from "../common/body.js";
import { parseCustomAttributes } from "../common/custom-attributes.js";
import type { EchoConfig } from "./config.js";

const STREAM_PIECES = 4;
const STREAM_GAP_MS = 25;

/** Answers with the request body byte for byte, after the configured or requested latency. */
export function createEchoHandler(config: EchoConfig): (req: IncomingMessage, res: ServerResponse) => void {
  const copyAttribute = `copy=${config.copyId}`;

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let status = 200;
      let latencyMs = config.latencyMs;
      const header = req.headers["x-amzn-sagemaker-custom-attributes"];
      if (header !== undefined) {
        const attributes = parseCustomAttributes(header);
        const wantStatus = Number(attributes.get("status"));
        if (Number.isInteger(wantStatus) && wantStatus >= 200 && wantStatus <= 599) status = wantStatus;
        const wantLatency = Number(attributes.get("latency_ms"));
        if (attributes.has("latency_ms") && Number.isFinite(wantLatency) && wantLatency >= 0) latencyMs = wantLatency;
      }
      const answer = () => {
        if (status >= 300) {
          const text = JSON.stringify({ error: `echo: status ${status} requested via CustomAttributes` });
          res.writeHead(status, {
            "Content-Type": "application/json",
            "Content-Length": Buffer.byteLength(text),
            "X-Amzn-SageMaker-Custom-Attributes": copyAttribute,
          });
          res.end(text);
          return;
        }
        const contentType = req.headers["content-type"] ?? "application/octet-stream";
        if (isStreamRequest(req)) {
          res.writeHead(status, { "Content-Type": contentType, "X-Amzn-SageMaker-Custom-Attributes": copyAttribute });
          return streamPieces(res, body);
        }
        res.writeHead(status, {
          "Content-Type": contentType,
          "Content-Length": body.length,
          "X-Amzn-SageMaker-Custom-Attributes": copyAttribute,
        });
        res.end(body);
      };
      if (latencyMs > 0) afterDelay(res, latencyMs, answer);
      else answer();
    });
  };
}

/** Runs `fn` after `ms`, unless the client disconnects first: then the work is dropped. */
function afterDelay(res: ServerResponse, ms: number, fn: () => void): void {
  const timer = setTimeout(() => {
    res.off("close", abandon);
    fn();
  }, ms);
  function abandon() {
    clearTimeout(timer);
    console.log(`echo: client went away during ${ms} ms latency; request dropped`);
  }
  res.once("close", abandon);
}

/** Chunked transfer encoding, one flushed write per piece, 25 ms apart: far enough that a busy router still reads them as separate parts. */
function streamPieces(res: ServerResponse, body: Buffer): void {
  const size = Math.max(1, Math.ceil(body.length / STREAM_PIECES));
  let offset = 0;
  const next = () => {
    if (res.destroyed) return;
    if (offset >= body.length) {
      res.end();
      return;
    }
    res.write(body.subarray(offset, offset + size));
    offset += size;
    setTimeout(next, STREAM_GAP_MS);
  };
  next();
}
