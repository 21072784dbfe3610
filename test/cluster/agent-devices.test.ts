import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { hostDevices, instanceTypeFor, parseHostPort } from "../../src/agent/remote/host-devices.js";
import { InstanceCatalog } from "../../src/domain/catalog/instance-catalog.js";
import { parseNvidiaSmi } from "../../src/instances/gpu-discovery.js";

const catalog = new InstanceCatalog();
/** What `nvidia-smi --query-gpu=index,uuid,name,memory.total --format=csv,noheader,nounits` prints on a host with n A10Gs. */
function a10gs(n: number) {
  return parseNvidiaSmi(Array.from({ length: n }, (_, i) => `${i}, GPU-0000000${i}-aaaa-bbbb-cccc-dddddddddddd, NVIDIA A10G, 23028`).join("\n"));
}
const fourA10G = a10gs(4);

describe("what an agent declares", () => {
  it("declares the GPUs nvidia-smi finds, and the one instance type they match", () => {
    assert.equal(instanceTypeFor(a10gs(8), catalog), "ml.g5.48xlarge");
    assert.equal(instanceTypeFor(fourA10G, catalog), undefined, "g5.12xlarge and g5.24xlarge both have 4 A10Gs: --instance-type must say which");
    const devices = hostDevices(fourA10G, catalog.get("ml.g5.12xlarge")!);
    assert.deepEqual(
      devices.map((d) => [d.index, d.source, d.name, d.memoryMiB]),
      [0, 1, 2, 3].map((i) => [i, "nvidia", "NVIDIA A10G", 23028]),
    );
    assert.equal(hostDevices(fourA10G, catalog.get("ml.g5.12xlarge")!, 2).length, 2, "--gpus declares fewer");
  });

  it("without GPUs, declares the instance type's GPUs as modelled ones, and names no type by itself", () => {
    assert.equal(instanceTypeFor([], catalog), undefined);
    const devices = hostDevices([], catalog.get("ml.p4d.24xlarge")!);
    assert.equal(devices.length, 8);
    assert.ok(devices.every((d) => d.source === "modelled" && d.name === "A100-SXM4-40GB" && d.memoryMiB === 40 * 1024));
    assert.deepEqual(hostDevices([], catalog.get("ml.m5.xlarge")!), [], "a CPU type has none");
  });

  it("reads --advertise as host and port", () => {
    assert.deepEqual(parseHostPort("10.0.0.7:7070"), { host: "10.0.0.7", port: 7070 });
    assert.deepEqual(parseHostPort("[fd00::7]:0"), { host: "[fd00::7]", port: 0 });
    assert.equal(parseHostPort("10.0.0.7"), undefined);
    assert.equal(parseHostPort("10.0.0.7:70000"), undefined);
  });
});
