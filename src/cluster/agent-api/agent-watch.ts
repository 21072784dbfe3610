import type { ServerResponse } from "node:http";
import type { BerthStore, ChangeEvent } from "../../state/records.js";
import type { Logger } from "../../util/logger.js";
import type { WatchMessage } from "./protocol.js";
import { readScope, type AgentScope } from "./scope.js";

const pingIntervalMs = 1_000;

/**
 * One agent's watch stream: JSON lines, a snapshot of its scope first, then the events of each commit
 * it may see, in commit order, and a ping every second so a cut-off agent notices the silence. Events
 * arriving while a snapshot is read are queued and those the snapshot already holds are skipped.
 */
export class AgentWatch {
  readonly #store: BerthStore;
  readonly #agentId: string;
  readonly #res: ServerResponse;
  readonly #log: Logger;
  readonly #queue: ChangeEvent[][] = [];
  #scope?: AgentScope;
  #revision = 0;
  #draining = false;
  #unwatch?: () => void;
  #ping?: NodeJS.Timeout;
  #closed = false;

  constructor(options: { store: BerthStore; agentId: string; res: ServerResponse; log: Logger }) {
    this.#store = options.store;
    this.#agentId = options.agentId;
    this.#res = options.res;
    this.#log = options.log;
  }

  async start(): Promise<void> {
    this.#unwatch = this.#store.watch((events) => {
      this.#queue.push(events);
      void this.#drain();
    });
    this.#res.once("close", () => this.close());
    this.#res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
    await this.#snapshot();
    this.#ping = setInterval(() => this.#send({ type: "ping", revision: this.#revision }), pingIntervalMs);
    void this.#drain();
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#unwatch?.();
    clearInterval(this.#ping);
    if (!this.#res.writableEnded) this.#res.end();
  }

  async #snapshot(): Promise<void> {
    const { revision, entries, scope } = await readScope(this.#store, this.#agentId);
    this.#scope = scope;
    this.#revision = Math.max(this.#revision, revision);
    this.#send({ type: "snapshot", revision, entries });
  }

  async #drain(): Promise<void> {
    if (this.#draining || !this.#scope) return;
    this.#draining = true;
    try {
      while (!this.#closed && this.#queue.length > 0) {
        const events = this.#queue.shift()!.filter((e) => e.revision > this.#revision);
        if (events.length === 0) continue;
        const revision = events[events.length - 1]!.revision;
        const visible = this.#scope.filter(events);
        if (visible.rescope) await this.#snapshot();
        else {
          this.#revision = revision;
          if (visible.events.length > 0) this.#send({ type: "events", revision, events: visible.events });
        }
      }
    } catch (error) {
      this.#log.warn({ err: error, agent: this.#agentId }, `the watch stream of agent ${this.#agentId} failed; the agent reconnects`);
      this.close();
    } finally {
      this.#draining = false;
    }
  }

  #send(message: WatchMessage): void {
    if (!this.#closed) this.#res.write(`${JSON.stringify(message)}\n`);
  }
}
