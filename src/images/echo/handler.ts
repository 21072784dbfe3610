import { randomUUID } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isStreamRequest } from "../common/body.js";
import { parseCustomAttributes } from "../common/custom-attributes.js";
import type { EchoConfig } from "./config.js";
import { cut, sendBytes } from "./bulk.js";

const STREAM_PIECES = 4;
const STREAM_GAP_MS = 25;

/**
 * Answers with the request body byte for byte, after the configured or requested latency. CustomAttributes
 * can ask for a status, a latency, a generated body of any size (respond_bytes, error_body_bytes) and an
 * answer cut off after its headers (cut_after_headers=1), so tests can reach the router's limits. It also
 * plays a stateful model: SessionId NEW_SESSION opens a session (session_ttl_s sets its life, an hour by
 * default) and session=close with a session's id closes it.
 */
export function createEchoHandler(config: EchoConfig): (req: IncomingMessage, res: ServerResponse) => void {
  const copyAttribute = `copy=${config.copyId}`;

  return (req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      let status = 200;
      let latencyMs = config.latencyMs;
      let respondBytes: number | undefined;
      let errorBodyBytes: number | undefined;
      let cutAfterHeaders = false;
      let headerBytes: number | undefined;
      let sessionTtlS = 3600;
      let closeSession = false;
      const header = req.headers["x-amzn-sagemaker-custom-attributes"];
      if (header !== undefined) {
        const attributes = parseCustomAttributes(header);
        const wantStatus = Number(attributes.get("status"));
        if (Number.isInteger(wantStatus) && wantStatus >= 200 && wantStatus <= 599) status = wantStatus;
        const wantLatency = Number(attributes.get("latency_ms"));
        if (attributes.has("latency_ms") && Number.isFinite(wantLatency) && wantLatency >= 0) latencyMs = wantLatency;
        respondBytes = byteCount(attributes.get("respond_bytes"));
        errorBodyBytes = byteCount(attributes.get("error_body_bytes"));
        cutAfterHeaders = attributes.get("cut_after_headers") === "1";
        headerBytes = byteCount(attributes.get("header_bytes"));
        const wantTtl = Number(attributes.get("session_ttl_s"));
        if (attributes.has("session_ttl_s") && Number.isInteger(wantTtl)) sessionTtlS = wantTtl;
        closeSession = attributes.get("session") === "close";
      }
      const session = sessionHeaders(req.headers["x-amzn-sagemaker-session-id"], sessionTtlS, closeSession);
      const answer = () => {
        if (status >= 300) {
          if (errorBodyBytes !== undefined) {
            res.writeHead(status, { "Content-Type": "text/plain", "Content-Length": errorBodyBytes, "X-Amzn-SageMaker-Custom-Attributes": copyAttribute });
            return sendBytes(res, errorBodyBytes);
          }
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
          res.writeHead(status, { "Content-Type": contentType, "X-Amzn-SageMaker-Custom-Attributes": copyAttribute, ...session });
          if (respondBytes !== undefined) return sendBytes(res, respondBytes, cutAfterHeaders ? Math.floor(respondBytes / 2) : undefined);
          return streamPieces(res, body);
        }
        const length = respondBytes ?? body.length;
        res.writeHead(status, {
          "Content-Type": contentType,
          "Content-Length": length,
          "X-Amzn-SageMaker-Custom-Attributes": copyAttribute,
          ...session,
          // A model whose answer carries more header bytes than HTTP clients read.
          ...(headerBytes ? { "X-Echo-Padding": "p".repeat(Math.min(headerBytes, 1024 * 1024)) } : {}),
        });
        // A model that crashes mid-answer: half the declared body, then the connection closes.
        const cutAt = cutAfterHeaders ? Math.floor(length / 2) : undefined;
        if (respondBytes !== undefined) return sendBytes(res, respondBytes, cutAt);
        if (cutAt !== undefined) {
          res.write(body.subarray(0, cutAt));
          return cut(res);
        }
        res.end(body);
      };
      if (latencyMs > 0) afterDelay(res, latencyMs, answer);
      else answer();
    });
  };
}

/** A stateful model's answer to SessionId: a new session's id and expiry, or the id of the session it closed. */
function sessionHeaders(sessionId: string | string[] | undefined, ttlSeconds: number, close: boolean): Record<string, string> {
  if (typeof sessionId !== "string") return {};
  if (sessionId === "NEW_SESSION") {
    const expires = new Date(Date.now() + ttlSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
    return { "X-Amzn-SageMaker-New-Session-Id": `${randomUUID()}; Expires=${expires}` };
  }
  return close ? { "X-Amzn-SageMaker-Closed-Session-Id": sessionId } : {};
}

/** A byte count from CustomAttributes (respond_bytes, error_body_bytes); anything else is ignored. */
function byteCount(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const count = Number(value);
  return Number.isSafeInteger(count) && count >= 0 ? count : undefined;
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
