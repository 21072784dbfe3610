import { connect, type Socket } from "node:net";
import { chunkedBody, lengthBody, type BodyEnd } from "./ping-body.js";

export interface PingResult {
  ok: boolean;
  detail: string;
}

/**
 * Each copy is pinged every few seconds for as long as it runs, so the ping is the largest part of an
 * idle server's CPU with hundreds of copies. It is a fixed request written on a kept-alive connection
 * per port and a read of the status line: about a third of the CPU of node:http's client.
 */
const connections = new Map<number, PingConnection>();

/** GET /ping as SageMaker does it: 200 means ready; anything else, or no answer within the timeout, means not. */
export async function ping(port: number, timeoutMs = 2_000): Promise<PingResult> {
  const kept = connections.get(port);
  if (kept && !kept.busy) {
    const result = await kept.ping(timeoutMs);
    // The copy may close a kept-alive connection just as a ping is written: one more try on a new one.
    if (result !== "closed") return result;
  }
  // A second ping while one is under way gets a connection of its own, closed after its answer.
  const fresh = new PingConnection(port, !connections.has(port));
  const result = await fresh.ping(timeoutMs);
  return result === "closed" ? { ok: false, detail: "GET /ping failed: the copy closed the connection without answering" } : result;
}

/** One connection to a copy's port; one ping at a time. */
class PingConnection {
  readonly #port: number;
  readonly #socket: Socket;
  readonly #request: Buffer;
  #received: Buffer = Buffer.alloc(0);
  #answer: ((result: PingResult | "closed") => void) | undefined;
  #answered = false;
  /** The end of the last answer's body, while bytes of it are still to come. */
  #body: BodyEnd | undefined;
  readonly #keep: boolean;
  /** Whether a ping was written on this connection before the current one. */
  #used = false;
  #writes = 0;

  constructor(port: number, keep: boolean) {
    this.#port = port;
    this.#keep = keep;
    this.#request = Buffer.from(`GET /ping HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: keep-alive\r\n\r\n`, "latin1");
    this.#socket = connect({ host: "127.0.0.1", port, noDelay: true });
    this.#socket.on("data", (chunk: Buffer) => this.#data(chunk));
    // Before any byte of the answer, a failure on a connection that carried pings before is the copy having
    // closed it while idle: the caller tries again on a new one.
    const unanswered = () => this.#used && !this.#answered && this.#received.length === 0;
    this.#socket.on("error", (error: NodeJS.ErrnoException) => {
      this.#forget();
      this.#finish(unanswered() ? "closed" : { ok: false, detail: `GET /ping failed: ${error.code ?? error.message}` });
    });
    this.#socket.on("close", () => {
      this.#forget();
      this.#finish(unanswered() || !this.#used ? "closed" : { ok: false, detail: "GET /ping failed: ECONNRESET" });
    });
    if (keep) connections.set(port, this);
  }

  get busy(): boolean {
    return this.#answer !== undefined;
  }

  ping(timeoutMs: number): Promise<PingResult | "closed"> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#finish({ ok: false, detail: `GET /ping did not answer within ${timeoutMs} ms` });
        this.#socket.destroy();
      }, timeoutMs);
      this.#answered = false;
      this.#used = this.#writes++ > 0;
      this.#answer = (result) => {
        clearTimeout(timer);
        resolve(result);
      };
      this.#socket.write(this.#request);
    });
  }

  #finish(result: PingResult | "closed"): void {
    const answer = this.#answer;
    this.#answer = undefined;
    answer?.(result);
  }

  #data(chunk: Buffer): void {
    if (this.#body) {
      const used = this.#body.feed(chunk);
      if (used === "more") return;
      if (used === "bad") return this.#drop();
      this.#body = undefined;
      if (used === chunk.length) return;
      chunk = chunk.subarray(used);
    }
    if (!this.#answer || this.#answered) return this.#drop();
    this.#received = this.#received.length === 0 ? chunk : Buffer.concat([this.#received, chunk]);
    const end = this.#received.indexOf("\r\n\r\n");
    if (end < 0) {
      if (this.#received.length > 16_384) this.#drop({ ok: false, detail: "GET /ping failed: the answer's headers are too large" });
      return;
    }
    const head = this.#received.toString("latin1", 0, end);
    const rest = this.#received.subarray(end + 4);
    this.#received = Buffer.alloc(0);
    this.#answered = true;
    const status = /^HTTP\/1\.[01] (\d{3})/.exec(head);
    if (!status) return this.#drop({ ok: false, detail: "GET /ping failed: the answer is not HTTP/1.1" });
    const code = Number(status[1]);
    this.#finish({ ok: code === 200, detail: `GET /ping answered ${code}` });
    // The connection carries the next ping only when the copy keeps it open and this answer's end is known.
    const closes = /\r\nconnection:[^\r]*\bclose\b/i.test(head) || (head.startsWith("HTTP/1.0") && !/\r\nconnection:[^\r]*keep-alive/i.test(head));
    const body = this.#keep && !closes ? bodyEnd(code, head) : undefined;
    if (!body) return this.#drop();
    const used = rest.length > 0 ? body.feed(rest) : body.feed(Buffer.alloc(0));
    if (used === "bad" || (typeof used === "number" && used < rest.length)) return this.#drop();
    if (used === "more") this.#body = body;
  }

  /** Gives up the connection (an answer it cannot reuse safely); the next ping opens another. */
  #drop(result?: PingResult): void {
    if (result) {
      this.#answered = true;
      this.#finish(result);
    }
    this.#forget();
    this.#socket.destroy();
  }

  #forget(): void {
    if (connections.get(this.#port) === this) connections.delete(this.#port);
  }
}

/** How the body of an answer ends; undefined when only the connection's close ends it. */
function bodyEnd(code: number, head: string): BodyEnd | undefined {
  if (code === 204 || code === 304 || (code >= 100 && code < 200)) return lengthBody(0);
  const encoding = /\r\ntransfer-encoding:[ \t]*([^\r]*)/i.exec(head);
  if (encoding) return /^chunked[ \t]*$/i.test(encoding[1]!) ? chunkedBody() : undefined;
  const length = /\r\ncontent-length:[ \t]*(\d+)[ \t]*(?:\r\n|$)/i.exec(head);
  return length ? lengthBody(Number(length[1])) : undefined;
}
