import { join } from "node:path";
import { SqliteStore } from "../../src/store/sqlite-store.js";
import type { Store } from "../../src/store/store.js";
import { storeContract } from "./contract.js";
import { tempDir } from "../support/temp-dir.js";

const paths = new WeakMap<Store, string>();

storeContract("SQLite", {
  create: async () => {
    const path = join(tempDir("berth-store-"), "berth.db");
    const store = new SqliteStore(path);
    paths.set(store, path);
    return store;
  },
  reopen: async (store) => {
    const path = paths.get(store)!;
    await store.close();
    return new SqliteStore(path);
  },
});
