import { StoreConflictError } from "./records.js";

/**
 * Runs a read-modify-write step again when another writer changed what it read in between.
 * Each attempt re-reads, so the outcome is the same as if the writes had been serialised.
 */
export async function withConflictRetry<T>(step: () => Promise<T>, attempts = 8): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await step();
    } catch (error) {
      if (!StoreConflictError.is(error) || attempt >= attempts) throw error;
    }
  }
}
