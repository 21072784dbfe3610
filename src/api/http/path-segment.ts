import { protocolErrors } from "../../domain/errors/protocol.js";

/** A name taken from one percent-encoded path segment; malformed encoding (`%zz`) is the client's error, not a 500. */
export function decodePathSegment(segment: string, what: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    throw protocolErrors.malformedPathSegment(segment, what);
  }
}
