import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";

export const sessionCookie = "berth_console";

interface Session {
  accessKeyId: string;
  expiresAt: number;
}

/**
 * Console sessions: a random token in an HttpOnly cookie stands for the key that signed the login. Kept in
 * memory, so a restart logs everyone out; the oldest go first past maxSessions.
 */
export class ConsoleSessions {
  readonly #sessions = new Map<string, Session>();

  constructor(
    readonly ttlMs: number,
    readonly now: () => number,
    readonly maxSessions = 1000,
  ) {}

  open(accessKeyId: string): string {
    const token = randomBytes(32).toString("base64url");
    this.#sessions.set(token, { accessKeyId, expiresAt: this.now() + this.ttlMs });
    while (this.#sessions.size > this.maxSessions) this.#sessions.delete(this.#sessions.keys().next().value!);
    return token;
  }

  /** The key a live session stands for. */
  keyOf(token: string | undefined): string | undefined {
    if (token === undefined) return undefined;
    const session = this.#sessions.get(token);
    if (!session) return undefined;
    if (session.expiresAt > this.now()) return session.accessKeyId;
    this.#sessions.delete(token);
    return undefined;
  }

  close(token: string | undefined): void {
    if (token !== undefined) this.#sessions.delete(token);
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
