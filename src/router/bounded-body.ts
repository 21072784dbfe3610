import type { Readable } from "node:stream";
import { runtimeErrors } from "../domain/errors/runtime.js";
import type { BodyBudget } from "./body-budget.js";

/** The most of a model's error body kept for ModelError's OriginalMessage. */
export const maxErrorBodyBytes = 1024;

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
      const bytes = Buffer.concat(chunks, Math.min(size, limit));
      resolve(bytes.toString("utf8"));
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
 * Gathers a whole non-streaming answer, refusing it past `cap` bytes, each chunk charged to the budget
 * as it arrives. Resolves with the chunks (not joined: the caller writes them as they are) once the body
 * ended whole; the caller then owns the charge for their total length. On any failure the stream is
 * destroyed, the charge given back, and the promise rejects: with responseTooLarge past the cap,
 * bodyBudgetExhausted when the budget is spent, or the stream's own error (a cut connection, a timeout).
 */
export function readCapped(body: Readable, cap: number, budget: BodyBudget): Promise<Buffer[]> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const fail = (error: unknown) => {
      if (settled) return;
      settled = true;
      budget.give(size);
      body.destroy();
      reject(error);
    };
    body.on("data", (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > cap) return fail(runtimeErrors.responseTooLarge(cap));
      if (!budget.tryTake(chunk.length)) return fail(runtimeErrors.bodyBudgetExhausted(budget.limit));
      size += chunk.length;
      chunks.push(chunk);
    });
    body.once("end", () => {
      if (settled) return;
      settled = true;
      resolve(chunks);
    });
    body.on("error", fail);
  });
}
