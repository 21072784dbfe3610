/** Resolves after the event loop has run whatever else was waiting (I/O callbacks, requests). */
export function yieldToLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/**
 * Runs `work` over the items a slice at a time, letting the event loop run between slices, so a
 * periodic pass over every copy or series never holds requests up for more than one slice.
 */
export async function inSlices<T>(items: readonly T[], size: number, work: (slice: readonly T[]) => void): Promise<void> {
  for (let start = 0; start < items.length; start += size) {
    if (start > 0) await yieldToLoop();
    work(items.slice(start, start + size));
  }
}
