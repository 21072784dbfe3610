import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { loadConfig } from "../../src/config/config.js";
import { replicaIdOf } from "../../src/config/cluster.js";
import { tempDir } from "../support/temp-dir.js";

function fromFile(text: string) {
  const file = join(tempDir("berth-config-"), "berth.yaml");
  writeFileSync(file, text);
  return () => loadConfig({ file, env: {} });
}

describe("the cluster settings", () => {
  it("default to 3 s replica and agent leases, a 2 s leader lease, and an id from the host name and bound port", () => {
    const { cluster } = loadConfig({ env: {} });
    assert.equal(cluster.leaseSeconds, 3);
    assert.equal(cluster.leaderLeaseSeconds, 2);
    assert.equal(cluster.replicaId, undefined);
    assert.match(replicaIdOf(cluster, 8081), /-8081$/);
  });

  it("take the flags over the environment over the file", () => {
    const file = join(tempDir("berth-config-"), "berth.yaml");
    writeFileSync(file, "cluster:\n  replicaId: from-file\n  leaderLeaseSeconds: 4\n");
    const env = { BERTH_REPLICA_ID: "from-env", BERTH_ADVERTISE_URL: "http://10.0.0.5:8080" };
    assert.equal(loadConfig({ file, env }).cluster.replicaId, "from-env");
    const flagged = loadConfig({ file, env, flags: { cluster: { replicaId: "from-flag" } } }).cluster;
    assert.deepEqual(flagged, { replicaId: "from-flag", advertiseUrl: "http://10.0.0.5:8080", leaseSeconds: 3, leaderLeaseSeconds: 4 });
  });

  const refused: [string, RegExp][] = [
    ["cluster:\n  replicaId: 'a b'\n", /cluster\.replicaId \(--replica-id\) must be 1 to 63 letters/],
    ["cluster:\n  advertiseUrl: 10.0.0.5:8080\n", /cluster\.advertiseUrl \(--advertise-url\) must be a URL such as http:\/\/10\.0\.0\.5:8080/],
    ["cluster:\n  advertiseUrl: ftp://10.0.0.5\n", /cluster\.advertiseUrl \(--advertise-url\) must start with http:\/\/ or https:\/\//],
    ["cluster:\n  advertiseUrl: http://10.0.0.5:8080/berth\n", /must be scheme, host and port only/],
    ["cluster:\n  leaseSeconds: 0\n", /cluster\.leaseSeconds must be a whole number of seconds from 1 to 60/],
    ["cluster:\n  leaderLeaseSeconds: 1.5\n", /cluster\.leaderLeaseSeconds must be a whole number/],
    [
      "cluster:\n  leaderLease: 2\n",
      /unknown setting 'cluster\.leaderLease'.*Known settings in cluster: replicaId, advertiseUrl, leaseSeconds, leaderLeaseSeconds/,
    ],
  ];
  for (const [text, message] of refused) it(`refuse ${JSON.stringify(text)}`, () => assert.throws(fromFile(text), message));
});
