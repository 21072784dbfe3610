import { randomUUID } from "node:crypto";

/** A conversation kept by this copy: every turn's inputs and answer, in order. */
export interface ChatSession {
  id: string;
  transcript: string;
  expiresAt: number;
}

/**
 * The copy's stateful sessions (SageMaker's SessionId). A session's next turn is generated from the whole
 * conversation so far, on a sequence that still holds it, so only the new turn's tokens are evaluated.
 */
export class ChatSessions {
  readonly #sessions = new Map<string, ChatSession>();

  constructor(
    readonly ttlSeconds: number,
    readonly maxOpen: number,
  ) {}

  /** A new session, or undefined when maxOpen unexpired sessions are open. */
  open(now = Date.now()): ChatSession | undefined {
    for (const [id, session] of this.#sessions) if (session.expiresAt <= now) this.#sessions.delete(id);
    if (this.#sessions.size >= this.maxOpen) return undefined;
    // Expires is written to the second: round down so the copy never outlives what it announced.
    const expiresAt = Math.floor((now + this.ttlSeconds * 1000) / 1000) * 1000;
    const session = { id: randomUUID(), transcript: "", expiresAt };
    this.#sessions.set(session.id, session);
    return session;
  }

  find(id: string, now = Date.now()): ChatSession | undefined {
    const session = this.#sessions.get(id);
    if (session && session.expiresAt <= now) this.#sessions.delete(id);
    return session && session.expiresAt > now ? session : undefined;
  }

  close(id: string): void {
    this.#sessions.delete(id);
  }
}

/** `<id>; Expires=<YYYY-MM-DDThh:mm:ssZ>`, the X-Amzn-SageMaker-New-Session-Id answer. */
export function newSessionHeader(session: ChatSession): string {
  return `${session.id}; Expires=${new Date(session.expiresAt).toISOString().replace(/\.\d{3}Z$/, "Z")}`;
}
