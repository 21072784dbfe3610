import type { Readable } from "node:stream";
import type { BodyBudget } from "./body-budget.js";

/** The most of a model's error body kept for ModelError's OriginalMessage. */
export const maxErrorBodyBytes = 1024;

/** The text of an error body's first `limit` bytes, from the chunks that arrived (`size` bytes in all). */
export function errorText(chunks: Buffer[], size: number, limit = maxErrorBodyBytes): string {
  return Buffer.concat(chunks, Math.min(size, limit)).toString("utf8");
}

/**
 * Reads the start of a model's error body and drops the rest: past `limit` bytes the stream is destroyed,
 * which closes its connection rather than draining it. Never rejects; a broken body gives what arrived.
 */
export function readErrorText(body: Readable, limit = maxErrorBodyBytes): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = () => {
      if (settled) return;
      settled = true;
      resolve(errorText(chunks, size, limit));
    };
    body.on("data", (chunk: Buffer) => {
      if (settled) return;
      chunks.push(chunk);
      size += chunk.length;
      if (size >= limit) {
        body.destroy();
        settle();
      }
    });
    body.once("end", settle);
    // Stays attached: a body destroyed here may still report its error later.
    body.on("error", settle);
  });
}

/**
 * Reads a whole body (a client's request, a model's answer), refusing it past `cap` bytes with
 * `tooLarge()`, each chunk charged to the budget as it arrives, so a sender that declares much and sends
 * slowly holds only what it has sent. Resolves with the chunks, not joined, once the body ended whole; the
 * caller then owns the charge for their total length. On any failure (too large, the budget spent, the
 * stream's error, or its closing before the end) the charge is given back and the promise rejects. The
 * stream is left as it is: the caller decides whether to destroy it (an upstream answer) or to answer on
 * its socket (a client's request).
 */
export function readCapped(body: Readable, cap: number, budget: BodyBudget, tooLarge: (cap: number) => Error): Promise<{ chunks: Buffer[]; size: number }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      budget.give(size);
      chunks.length = 0;
      reject(error);
    };
    body.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > cap) return fail(tooLarge(cap));
      const refused = budget.take(chunk.length, size + chunk.length, false);
      if (refused) return fail(refused);
      size += chunk.length;
      chunks.push(chunk);
    });
    body.once("end", () => {
      if (settled) return;
      settled = true;
      resolve({ chunks, size });
    });
    body.on("error", fail);
    // After "end" this is a no-op; before it, the sender went away mid-body. The error is made only then:
    // an Error's stack trace cost 3% of the router's CPU when it was made for every body that ended well.
    body.once("close", () => {
      if (!settled) fail(new Error("the connection closed before the body was complete"));
    });
  });
}
