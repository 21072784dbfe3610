import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const sessionCookie = "berth_console";

interface Session {
  accessKeyId: string;
  expiresAt: number;
}

/**
 * Console sessions: a random token in an HttpOnly cookie stands for the key that signed the login. Kept in
 * memory, so a restart logs everyone out. Each key keeps at most maxSessionsPerKey, its own oldest going
 * first, so one key logging in over and over cannot log the others out; past maxSessions in all, expired
 * sessions go first, then the oldest.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, Session>();
  /** Each key's tokens, oldest first. */
  readonly #byKey = new Map<string, Set<string>>();

  constructor(
    readonly ttlMs: number,
    readonly now: () => number,
    readonly maxSessions = 1000,
    readonly maxSessionsPerKey = 20,
  ) {}

  open(accessKeyId: string): string {
    const token = randomBytes(32).toString("base64url");
    this.#sessions.set(token, { accessKeyId, expiresAt: this.now() + this.ttlMs });
    let own = this.#byKey.get(accessKeyId);
    if (!own) this.#byKey.set(accessKeyId, (own = new Set()));
    own.add(token);
    while (own.size > this.maxSessionsPerKey) this.#drop(own.values().next().value!);
    if (this.#sessions.size > this.maxSessions) {
      const now = this.now();
      for (const [old, session] of this.#sessions) if (session.expiresAt <= now) this.#drop(old);
    }
    while (this.#sessions.size > this.maxSessions) this.#drop(this.#sessions.keys().next().value!);
    return token;
  }

  #drop(token: string): void {
    const session = this.#sessions.get(token);
    if (!session) return;
    this.#sessions.delete(token);
    const own = this.#byKey.get(session.accessKeyId);
    own?.delete(token);
    if (own?.size === 0) this.#byKey.delete(session.accessKeyId);
  }

  /** The key a live session stands for. */
  keyOf(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt > this.now()) return session.accessKeyId;
    this.#drop(token);
    return undefined;
  }

  close(token: string | undefined): void {
    if (token !== undefined) this.#drop(token);
  }
}

export function sessionToken(req: IncomingMessage): string | undefined {
  for (const part of (req.headers.cookie ?? "").split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === sessionCookie) return part.slice(eq + 1).trim();
  }
  return undefined;
}

export function sessionCookieHeader(token: string, options: { secure: boolean; maxAgeSeconds: number }): string {
  return [
    `${sessionCookie}=${token}`,
    "Path=/console",
    "HttpOnly",
    "SameSite=Strict",
    `Max-Age=${options.maxAgeSeconds}`,
    ...(options.secure ? ["Secure"] : []),
  ].join("; ");
}
