import { Agent, createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { CopyStatusRecord } from "../domain/resources.js";
import { copyAbsentHeader } from "../router/upstream.js";
import { bearer, sameSecret } from "../auth/agent-key.js";
import type { Logger } from "../util/logger.js";

interface ProxiedCopy {
  localPort?: number;
  ready: boolean;
  inFlight: number;
  lastActivity: number;
}

/** How long a draining copy must have had no request in flight before it may stop. */
const settleMs = 250;

/**
 * The agent's one public port: routers on other hosts reach its copies here (copies listen on
 * 127.0.0.1). A request must carry the agent's key and name a Ready copy this agent runs; bodies stream
 * both ways. Requests in flight are counted per copy, so a stopping copy drains first.
 */
export class CopyProxy {
  readonly #log: Logger;
  readonly #copies = new Map<string, ProxiedCopy>();
  readonly #upstream = new Agent({ keepAlive: true, maxSockets: 256 });
  #key?: string;
  #server?: Server;
  #advertised?: { host: string; port: number };

  constructor(options: { log: Logger }) {
    this.#log = options.log;
  }

  /** Starts listening on host:port (port 0: a free one); returns the port. */
  async listen(host: string, port: number): Promise<number> {
    const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => this.#handle(req, res));
    server.on("clientError", (_error, socket) => {
      if (socket.writable) socket.end("HTTP/1.1 400 Bad Request\r\nconnection: close\r\ncontent-length: 0\r\n\r\n");
    });
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(port, host, () => {
        server.off("error", reject);
        resolve();
      });
    });
    this.#server = server;
    const address = server.address();
    return typeof address === "object" && address ? address.port : port;
  }

  /** The key routers present, and the address copies' statuses carry. */
  configure(key: string, advertised: { host: string; port: number }): void {
    this.#key = key;
    this.#advertised = advertised;
  }

  /** Takes a status the agent is about to report: remembers the copy's local port, answers the status routers see. */
  report(status: CopyStatusRecord): CopyStatusRecord {
    const copy = this.#copy(status.copyId);
    copy.ready = status.phase === "Ready" && status.port !== undefined;
    if (status.port !== undefined) copy.localPort = status.port;
    if (status.port === undefined || !this.#advertised) return status;
    return { ...status, address: this.#advertised.host, port: this.#advertised.port };
  }

  /** Every copy answers 503 from now on (the agent lost its lease or is leaving); requests in flight finish. */
  refuseAll(): void {
    for (const copy of this.#copies.values()) copy.ready = false;
  }

  forget(copyId: string): void {
    const copy = this.#copies.get(copyId);
    if (copy && copy.inFlight === 0) this.#copies.delete(copyId);
    else if (copy) copy.ready = false;
  }

  inFlight(copyId: string): number {
    return this.#copies.get(copyId)?.inFlight ?? 0;
  }

  /** Resolves once the copy has had no request in flight for a moment, or after timeoutMs. */
  drain(copyId: string, timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    return new Promise((resolve) => {
      const check = () => {
        const copy = this.#copies.get(copyId);
        const now = Date.now();
        if (!copy || (copy.inFlight === 0 && now - copy.lastActivity >= settleMs) || now >= deadline) return resolve();
        setTimeout(check, Math.min(settleMs, Math.max(10, deadline - now))).unref();
      };
      check();
    });
  }

  async close(): Promise<void> {
    const server = this.#server;
    this.#upstream.destroy();
    if (!server) return;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  }

  #copy(copyId: string): ProxiedCopy {
    let copy = this.#copies.get(copyId);
    if (!copy) {
      copy = { ready: false, inFlight: 0, lastActivity: 0 };
      this.#copies.set(copyId, copy);
    }
    return copy;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    if (!this.#authorized(req.headers.authorization))
      return refuse(res, 401, "Unauthorized", "this is a Berth agent's copy proxy: send the agent key as 'Authorization: Bearer <key>'");
    const copyId = req.headers["x-berth-copy"];
    if (typeof copyId !== "string" || copyId === "") return refuse(res, 404, "NoCopy", "name the copy to reach in the x-berth-copy header");
    const copy = this.#copies.get(copyId);
    // The router's table may be a moment behind: a copy not (or no longer) serving here is worth trying elsewhere.
    if (!copy || copy.localPort === undefined) return refuse(res, 503, "CopyAbsent", `copy ${copyId} is not running on this agent; try another copy`, copyId);
    if (!copy.ready) return refuse(res, 503, "CopyNotReady", `copy ${copyId} is not ready on this agent; try another copy`, copyId);
    copy.inFlight++;
    copy.lastActivity = Date.now();
    let done = false;
    const finished = () => {
      if (done) return;
      done = true;
      copy.inFlight--;
      copy.lastActivity = Date.now();
    };
    res.once("close", finished);
    const headers = { ...req.headers };
    delete headers.authorization;
    delete headers["x-berth-copy"];
    const upstream = request({ host: "127.0.0.1", port: copy.localPort, method: req.method, path: req.url, headers, agent: this.#upstream }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
      answer.once("error", () => res.destroy());
    });
    upstream.once("error", (error: NodeJS.ErrnoException) => {
      if (res.headersSent) return void res.destroy();
      // Refused: the request never reached the copy, so the router may send it to another.
      if (error.code === "ECONNREFUSED") return refuse(res, 503, "CopyUnreachable", `copy ${copyId} does not answer on this agent; try another copy`, copyId);
      this.#log.warn({ copy: copyId }, `request to copy ${copyId} failed: ${error.message}`);
      refuse(res, 502, "CopyFailed", `copy ${copyId} failed while answering: ${error.message}`);
    });
    req.once("aborted", () => upstream.destroy());
    res.once("close", () => {
      if (!res.writableFinished) upstream.destroy();
    });
    req.pipe(upstream);
  }

  #authorized(header: string | undefined): boolean {
    const presented = bearer(header);
    return this.#key !== undefined && presented !== undefined && sameSecret(presented, this.#key);
  }
}

/** `absentCopy`: the request never reached that copy, so the router may send it to another. */
function refuse(res: ServerResponse, status: number, code: string, message: string, absentCopy?: string): void {
  const body = JSON.stringify({ error: code, message });
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...(absentCopy !== undefined ? { [copyAbsentHeader]: absentCopy } : {}),
  });
  res.end(body);
}
