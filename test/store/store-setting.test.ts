import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { ConfigError, loadConfig } from "../../src/config/config.js";

describe("the store setting", () => {
  it("is SQLite unless etcd is named, from the file, the environment or a flag", () => {
    assert.deepEqual(loadConfig({ env: {} }).store, { kind: "sqlite" });
    assert.deepEqual(loadConfig({ env: { BERTH_STORE: "etcd://10.0.0.1:2379,10.0.0.2:2379" } }).store, {
      kind: "etcd",
      endpoints: ["10.0.0.1:2379", "10.0.0.2:2379"],
    });
    assert.deepEqual(loadConfig({ env: { BERTH_STORE: "etcd://a:1" }, flags: { store: { kind: "sqlite" } } }).store, { kind: "sqlite" });
  });

  it("refuses what is not sqlite or etcd://host:port, saying the form it wants", () => {
    for (const bad of ["postgres://x", "etcd://", "etcd://host", "etcd://h:99999", "etcd://h:1,,h:2"]) {
      assert.throws(
        () => loadConfig({ env: { BERTH_STORE: bad } }),
        (error) => error instanceof ConfigError && /etcd:\/\/host:port|host:port of an etcd member/.test(error.message),
        bad,
      );
    }
  });
});
