/** One queue of jobs per key: jobs on one key run one after another, jobs on different keys run freely. */
export class KeyLocks {
  readonly #tails = new Map<string, Promise<unknown>>();

  /** Runs fn after every earlier job on the same key; a failed job does not stop the ones after it. */
  run<T>(key: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.#tails.get(key) ?? Promise.resolve()).catch(() => undefined).then(fn);
    const tail = run.catch(() => undefined);
    this.#tails.set(key, tail);
    void tail.then(() => {
      if (this.#tails.get(key) === tail) this.#tails.delete(key);
    });
    return run;
  }
}
