import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";

/** Opaque NextTokens: a small JSON cursor, base64url-encoded. */
export function encodeToken(cursor: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

export function decodeToken<T extends Record<string, unknown>>(token: string, valid: (cursor: Record<string, unknown>) => boolean): T {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Record<string, unknown>;
    if (typeof cursor === "object" && cursor !== null && valid(cursor)) return cursor as T;
  } catch {
    // Falls through to the error below.
  }
  throw cloudWatchErrors.invalidNextToken();
}

/** A short fingerprint of a request, so a token is refused when used with another request. */
export function fingerprint(value: unknown): string {
  const text = JSON.stringify(value);
  let hash = 2166136261;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 16777619);
  }
  return (hash >>> 0).toString(36);
}
