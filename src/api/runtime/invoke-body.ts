import type { IncomingMessage } from "node:http";
import { runtimeErrors } from "../../domain/errors/runtime.js";
import type { BodyBudget } from "../../router/body-budget.js";

/** SageMaker's payload limit for InvokeEndpoint (6 MB). */
export const maxInvokeBodyBytes = 6 * 1024 * 1024;

/**
 * Reads an InvokeEndpoint body, each chunk charged to the shared budget as it arrives, so a client that
 * declares a large body and sends it slowly holds only what it has sent. On success the caller owns the
 * charge for the body's length; on any failure (too large, budget spent, client gone) it is given back.
 */
export function readInvokeBody(req: IncomingMessage, budget: BodyBudget): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    const fail = (error: unknown) => {
      if (done) return;
      done = true;
      budget.give(size);
      chunks.length = 0;
      reject(error);
    };
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      if (size + chunk.length > maxInvokeBodyBytes) return fail(runtimeErrors.bodyTooLarge(maxInvokeBodyBytes));
      if (!budget.tryTake(chunk.length)) return fail(runtimeErrors.bodyBudgetExhausted(budget.limit));
      size += chunk.length;
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (done) return;
      done = true;
      resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size));
    });
    req.on("error", fail);
    // After "end" this is a no-op; before it, the client went away mid-body.
    req.on("close", () => fail(new Error("the client went away while sending its request body")));
  });
}
