import { keys } from "../state/keys.js";
import { check, StoreConflictError, type BerthStore, type Op } from "../state/records.js";

/** A controller commit refused because this replica no longer (or not yet) leads the controllers. */
export class NotLeaderError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotLeaderError";
  }

  static is(value: unknown): value is NotLeaderError {
    return value instanceof Error && value.name === "NotLeaderError";
  }
}

/**
 * The store the controllers write through in cluster mode: every commit also checks that `leader/controllers`
 * is still the put this replica won (its modRevision), in the same etcd transaction. A deposed leader's late
 * commit therefore fails in the store and is never applied. Reads and watches pass straight through.
 */
export class FencedStore implements BerthStore {
  readonly #store: BerthStore;
  readonly #onFenceLost: (reason: string) => void;
  #fence: number | undefined;

  constructor(store: BerthStore, onFenceLost: (reason: string) => void = () => {}) {
    this.#store = store;
    this.#onFenceLost = onFenceLost;
  }

  get leases() {
    return this.#store.leases;
  }

  /** The modRevision of the leader put this replica won; undefined while it does not lead. */
  setFence(modRevision: number | undefined): void {
    this.#fence = modRevision;
  }

  get fence(): number | undefined {
    return this.#fence;
  }

  async commit(ops: Op[]): Promise<number> {
    const fence = this.#fence;
    if (fence === undefined) throw new NotLeaderError("this replica does not lead the controllers; the commit was not made");
    try {
      return await this.#store.commit([...ops, check("leader", keys.leader(), { modRevision: fence })]);
    } catch (error) {
      if (StoreConflictError.is(error) && (await this.#fenceBroken(error, fence))) {
        const reason = `leader/${keys.leader()} changed since revision ${fence}: another replica leads the controllers`;
        this.#onFenceLost(reason);
        throw new NotLeaderError(`${reason}; the commit was refused and nothing was applied`);
      }
      throw error;
    }
  }

  /** A transaction's conflict may not say which compare failed, so the leader key is read again to tell. */
  async #fenceBroken(error: StoreConflictError, fence: number): Promise<boolean> {
    if (error.kind === "leader") return true;
    const leader = await this.#store.get("leader", keys.leader());
    return leader?.modRevision !== fence;
  }

  get: BerthStore["get"] = (kind, key) => this.#store.get(kind, key);
  list: BerthStore["list"] = (kind, options) => this.#store.list(kind, options);
  watch: BerthStore["watch"] = (listener) => this.#store.watch(listener);
  revision = () => this.#store.revision();
  /** The underlying store belongs to the server, which closes it. */
  close = async () => {};
}
