import type { RegisterResponse, ScopedEntry, ScopedEvent, StatusOp, WatchMessage } from "../../src/cluster/agent-api/protocol.js";
import type { CopyRecord, CopyStatusRecord, DeviceInfo, InstanceRecord } from "../../src/domain/resources.js";

/**
 * Light agents for bench:cluster: one process holding many agents that speak the real agent protocol
 * (register with the join token, renew every third of the TTL, hold the watch stream, write the status
 * of every copy placed on them) but run no copy: each copy is reported Ready at once, with an address
 * that nobody calls. This lets 100 agents and 1,000 copies fit on one small machine, so the leader really
 * places the copies onto claimed instances and every replica's router really holds them.
 *
 * Run as `node light-agent.js` with LIGHT_AGENTS set to JSON {servers, token, instanceType, devices, names}.
 * Prints one JSON line per event worth knowing ("registered", "lost", "error").
 */

interface LightAgentsConfig {
  servers: string[];
  token: string;
  instanceType: string;
  devices: DeviceInfo[];
  names: string[];
}

const config = JSON.parse(process.env.LIGHT_AGENTS ?? "null") as LightAgentsConfig | null;
if (!config) {
  process.stderr.write("light-agent: set LIGHT_AGENTS to JSON {servers, token, instanceType, devices, names}\n");
  process.exit(2);
}

const say = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The servers in the order this agent tries them: agents spread over the replicas as real ones would by configuration. */
function serversFor(index: number): string[] {
  const servers = config!.servers;
  return servers.map((_, i) => servers[(index + i) % servers.length]!);
}

async function call<T>(servers: string[], method: string, path: string, bearer: string, body?: unknown): Promise<{ status: number; body: T }> {
  let last: unknown;
  for (const server of servers) {
    try {
      const response = await fetch(server + path, {
        method,
        headers: { authorization: `Bearer ${bearer}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(2_000),
      });
      const text = await response.text();
      if (response.status === 503) {
        last = new Error(`${server} answered 503: ${text.slice(0, 200)}`);
        continue;
      }
      return { status: response.status, body: (text === "" ? undefined : JSON.parse(text)) as T };
    } catch (error) {
      last = error;
    }
  }
  throw new Error(`no server answered ${method} ${path}: ${(last as Error)?.message}`);
}

class LightAgent {
  readonly #servers: string[];
  readonly #name: string;
  readonly #advertise: string;
  #session = 0;
  #registration?: RegisterResponse;
  readonly #instances = new Map<string, InstanceRecord>();
  readonly #copies = new Map<string, CopyRecord>();
  readonly #statuses = new Map<string, CopyStatusRecord>();
  /** Copies this agent "runs" (reported Ready once; later status changes by others are left alone). */
  readonly #running = new Set<string>();
  #reconciling = false;
  #again = false;

  constructor(name: string, index: number) {
    this.#name = name;
    this.#servers = serversFor(index);
    this.#advertise = `127.0.0.1:${20_000 + index}`;
  }

  async run(): Promise<void> {
    for (;;) {
      const registration = await this.#register();
      const session = ++this.#session;
      this.#registration = registration;
      this.#instances.clear();
      this.#copies.clear();
      this.#statuses.clear();
      this.#running.clear();
      say({ event: "registered", agent: this.#name });
      const abort = new AbortController();
      void this.#watch(registration, abort.signal, session);
      await this.#keepLease(registration);
      abort.abort();
      say({ event: "lost", agent: this.#name });
    }
  }

  async #register(): Promise<RegisterResponse> {
    const body = { agentId: this.#name, instanceType: config!.instanceType, advertise: this.#advertise, devices: config!.devices };
    for (;;) {
      try {
        const answer = await call<RegisterResponse & { message?: string }>(this.#servers, "POST", "/berth/v1/agents/register", config!.token, body);
        if (answer.status === 200) return answer.body;
        say({ event: "error", agent: this.#name, message: `register answered ${answer.status}: ${answer.body?.message}` });
        if (answer.status >= 400 && answer.status < 500) process.exit(1);
      } catch (error) {
        say({ event: "error", agent: this.#name, message: (error as Error).message });
      }
      await pause(200);
    }
  }

  /** Renews every ttl/3; returns once the lease is gone or no renewal succeeded for the TTL. */
  async #keepLease(registration: RegisterResponse): Promise<void> {
    const ttlMs = registration.ttlSeconds * 1000;
    let heardAt = performance.now();
    for (;;) {
      await pause(ttlMs / 3);
      if (performance.now() - heardAt > ttlMs) return;
      const sentAt = performance.now();
      try {
        const answer = await call(this.#servers, "POST", `/berth/v1/agents/${this.#name}/renew`, registration.agentKey, { leaseId: registration.leaseId });
        if (answer.status === 200) heardAt = sentAt;
        else if (answer.status === 410 || answer.status === 404 || answer.status === 401) return;
      } catch {
        // Retried at the next tick, until the TTL has passed.
      }
    }
  }

  async #watch(registration: RegisterResponse, signal: AbortSignal, session: number): Promise<void> {
    let turn = 0;
    while (!signal.aborted) {
      const server = this.#servers[turn++ % this.#servers.length]!;
      try {
        const response = await fetch(`${server}/berth/v1/agents/${this.#name}/watch`, {
          headers: { authorization: `Bearer ${registration.agentKey}` },
          signal,
        });
        if (response.status !== 200 || !response.body) throw new Error(`watch answered ${response.status}`);
        const decoder = new TextDecoder();
        let buffer = "";
        for await (const chunk of response.body) {
          buffer += decoder.decode(chunk, { stream: true });
          let newline: number;
          while ((newline = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.trim() !== "" && session === this.#session) this.#apply(JSON.parse(line) as WatchMessage);
          }
        }
      } catch (error) {
        if (signal.aborted) return;
        say({ event: "error", agent: this.#name, message: `watch: ${(error as Error).message}` });
        await pause(100);
      }
    }
  }

  #apply(message: WatchMessage): void {
    if (message.type === "ping") return;
    if (message.type === "snapshot") {
      this.#instances.clear();
      this.#copies.clear();
      this.#statuses.clear();
      for (const entry of message.entries) this.#put(entry);
    } else for (const event of message.events) event.type === "put" ? this.#put(event) : this.#delete(event);
    void this.#reconcile();
  }

  #put(entry: ScopedEntry | ScopedEvent): void {
    if (entry.kind === "instance") this.#instances.set(entry.key, entry.value as InstanceRecord);
    else if (entry.kind === "copy") this.#copies.set(entry.key, entry.value as CopyRecord);
    else if (entry.kind === "copy-status") this.#statuses.set(entry.key, entry.value as CopyStatusRecord);
  }

  #delete(event: ScopedEvent): void {
    if (event.kind === "instance") this.#instances.delete(event.key);
    else if (event.kind === "copy") this.#copies.delete(event.key);
    else if (event.kind === "copy-status") this.#statuses.delete(event.key);
  }

  #mine(copy: CopyRecord | undefined): boolean {
    if (!copy || copy.state !== "Active") return false;
    return this.#instances.get(`${copy.endpointName}/${copy.instanceId}`)?.host === this.#name;
  }

  /** As the node agent does: a copy of ours without a running "process" starts (Ready at once); a status of a copy no longer ours is cleared. */
  async #reconcile(): Promise<void> {
    if (this.#reconciling) {
      this.#again = true;
      return;
    }
    this.#reconciling = true;
    try {
      do {
        this.#again = false;
        const ops: StatusOp[] = [];
        for (const [key, copy] of this.#copies)
          if (this.#mine(copy) && !this.#running.has(key)) {
            const [host, port] = this.#advertise.split(":");
            ops.push({
              type: "put",
              kind: "copy-status",
              key,
              value: { copyId: copy.id, phase: "Ready", address: host, port: Number(port), restarts: 0, since: Date.now() },
            });
          }
        for (const key of [...this.#running]) if (!this.#mine(this.#copies.get(key))) this.#running.delete(key);
        for (const key of this.#statuses.keys())
          if (!this.#running.has(key) && !this.#mine(this.#copies.get(key)) && !ops.some((o) => o.key === key))
            ops.push({ type: "delete", kind: "copy-status", key });
        const registration = this.#registration!;
        for (let i = 0; i < ops.length; i += 100) {
          const batch = ops.slice(i, i + 100);
          const answer = await call<{ message?: string }>(this.#servers, "POST", `/berth/v1/agents/${this.#name}/status`, registration.agentKey, {
            ops: batch,
          });
          if (answer.status === 200) {
            for (const op of batch) if (op.type === "put") this.#running.add(op.key);
          } else if (answer.status === 409) {
            this.#again = true; // the copy or its instance changed meanwhile: look again
          } else {
            // 403: the copy left this agent meanwhile; the watch event that says so reconciles again.
            say({ event: "error", agent: this.#name, message: `status answered ${answer.status}: ${answer.body?.message}` });
          }
        }
        if (this.#again) await pause(50);
      } while (this.#again);
    } catch (error) {
      say({ event: "error", agent: this.#name, message: `status: ${(error as Error).message}` });
      setTimeout(() => void this.#reconcile(), 200);
    } finally {
      this.#reconciling = false;
    }
  }
}

for (const [i, name] of config.names.entries()) void new LightAgent(name, Number(name.split("-").pop() ?? i)).run();
