import type { Clock } from "../util/clock.js";
import { systemClock } from "../util/clock.js";

/** A stateful session: the copy whose container opened it, and when the container said it expires. */
export interface SessionRecord {
  id: string;
  endpointName: string;
  variantName: string;
  componentName?: string;
  copyId: string;
  /** The copy's restart count when the session opened (RouteCopy.restarts). */
  copyRestarts?: number;
  /** When the copy's agent first started it, when the session opened (RouteCopy.startedAt): a restarted agent starts a new process. */
  copyStartedAt?: number;
  /** Epoch milliseconds, from the container's `Expires=`. */
  expiresAt: number;
}

/** What a request's session id finds: the open session, or why there is none. */
export type SessionLookup = { session: SessionRecord } | { missing: "unknown" | "expired" };

/** The value SessionId takes to ask the model for a new session. */
export const newSessionValue = "NEW_SESSION";

const newSessionHeader = /^([a-zA-Z0-9](?:-*[a-zA-Z0-9])*);\sExpires=(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z)$/;

/** `<id>; Expires=<YYYY-MM-DDThh:mm:ssZ>` as the container sent it (the service model's pattern), or undefined. */
export function parseNewSessionHeader(value: string | undefined): { id: string; expiresAt: number } | undefined {
  const match = value === undefined || value.length > 256 ? undefined : newSessionHeader.exec(value);
  if (!match) return undefined;
  const expiresAt = Date.parse(match[2]!);
  return Number.isFinite(expiresAt) ? { id: match[1]!, expiresAt } : undefined;
}

/** Where the sessions are kept so every router replica sees them (the store, wired by the server). */
export interface SessionPersistence {
  /** Read on a miss only: another replica may have opened the session a moment before its watch event arrives here. */
  get(endpointName: string, id: string): Promise<SessionRecord | undefined>;
  put(session: SessionRecord): Promise<void>;
  delete(session: Pick<SessionRecord, "endpointName" | "id">): Promise<void>;
}

/**
 * Which copy holds each open session. The server keeps the map in the store, so every router replica sees a
 * session as soon as the replica that opened it answers, and feeds each replica's copy from the store's watch
 * (remember, forget): a request's lookup is a map read, never a store read.
 */
export class SessionTable {
  readonly #persistence?: SessionPersistence;
  readonly #clock: Clock;
  readonly #sessions = new Map<string, SessionRecord>();

  constructor(options: { persistence?: SessionPersistence; clock?: Clock } = {}) {
    this.#persistence = options.persistence;
    this.#clock = options.clock ?? systemClock;
  }

  get size(): number {
    return this.#sessions.size;
  }

  async lookup(endpointName: string, id: string): Promise<SessionLookup> {
    const key = sessionKey(endpointName, id);
    let session = this.#sessions.get(key);
    if (!session && this.#persistence) {
      session = await this.#persistence.get(endpointName, id);
      if (session) this.remember(session);
    }
    if (!session) return { missing: "unknown" };
    if (session.expiresAt > this.#clock.now()) return { session };
    this.#sessions.delete(key);
    void this.#persistence?.delete(session).catch(() => undefined);
    return { missing: "expired" };
  }

  /** Records a session the container opened; resolves once every replica can find it. */
  async open(session: SessionRecord): Promise<void> {
    this.#sweep();
    this.remember(session);
    await this.#persistence?.put(session);
  }

  /** Expired sessions nobody asks for again would stay forever: each new session clears them out. */
  #sweep(): void {
    const now = this.#clock.now();
    for (const [key, session] of this.#sessions) {
      if (session.expiresAt > now) continue;
      this.#sessions.delete(key);
      void this.#persistence?.delete(session).catch(() => undefined);
    }
  }

  /** Forgets a session the container closed, on every replica. */
  async close(session: Pick<SessionRecord, "endpointName" | "id">): Promise<void> {
    this.forget(session);
    await this.#persistence?.delete(session);
  }

  /** A session another replica opened (from the store's watch). */
  remember(session: SessionRecord): void {
    this.#sessions.set(sessionKey(session.endpointName, session.id), session);
  }

  forget(session: Pick<SessionRecord, "endpointName" | "id">): void {
    this.#sessions.delete(sessionKey(session.endpointName, session.id));
  }
}

function sessionKey(endpointName: string, id: string): string {
  return `${endpointName.toLowerCase()}\u0000${id}`;
}
