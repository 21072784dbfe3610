import type { ServerResponse } from "node:http";
import type { BerthStore } from "../state/records.js";
import type { Logger } from "../util/logger.js";
import { readSnapshot } from "./snapshot.js";

/** Changes closer together than this go out as one snapshot. */
const coalesceMs = 150;
/** A comment line now and then keeps proxies from closing a quiet stream. */
const keepAliveMs = 15_000;

interface Client {
  res: ServerResponse;
  /** False once the client's session has ended: its stream is closed. */
  allowed: () => boolean;
}

/**
 * Server-sent events: every open console gets a snapshot when it connects and another after each burst of
 * store changes. One read serves every client; the store is watched only while some console is open.
 */
export class LiveSnapshots {
  readonly #clients = new Set<Client>();
  #unwatch?: () => void;
  #timer?: NodeJS.Timeout;
  #keepAlive?: NodeJS.Timeout;
  #reading = false;
  #again = false;

  constructor(readonly options: { store: BerthStore; now: () => number; log: Logger }) {}

  open(res: ServerResponse, allowed: () => boolean, headers: Record<string, string>): void {
    res.writeHead(200, { ...headers, "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-store", connection: "keep-alive" });
    const client = { res, allowed };
    this.#clients.add(client);
    res.on("close", () => this.#drop(client));
    if (!this.#unwatch) {
      this.#unwatch = this.options.store.watch(() => this.#schedule());
      this.#keepAlive = setInterval(() => {
        for (const c of [...this.#clients]) this.#send(c, ": keep-alive\n\n");
      }, keepAliveMs);
      this.#keepAlive.unref();
    }
    this.#schedule(0);
  }

  close(): void {
    for (const client of [...this.#clients]) client.res.end();
    this.#stop();
  }

  #drop(client: Client): void {
    this.#clients.delete(client);
    if (this.#clients.size === 0) this.#stop();
  }

  #stop(): void {
    this.#unwatch?.();
    this.#unwatch = undefined;
    clearInterval(this.#keepAlive);
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs = coalesceMs): void {
    if (this.#reading) {
      this.#again = true;
      return;
    }
    if (this.#timer) return;
    this.#timer = setTimeout(() => void this.#broadcast(), delayMs);
  }

  /** A session that ended (logged out, expired, its key deleted or its permissions narrowed) gets no more. */
  #send(client: Client, message: string): void {
    if (client.allowed()) client.res.write(message);
    else client.res.end("event: logged-out\ndata: {}\n\n");
  }

  async #broadcast(): Promise<void> {
    this.#timer = undefined;
    if (this.#clients.size === 0) return;
    this.#reading = true;
    try {
      const snapshot = await readSnapshot(this.options.store, this.options.now());
      const message = `event: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`;
      for (const client of [...this.#clients]) this.#send(client, message);
    } catch (error) {
      this.options.log.warn({ err: error }, "could not read the console's snapshot");
    } finally {
      this.#reading = false;
      if (this.#again) {
        this.#again = false;
        this.#schedule();
      }
    }
  }
}
