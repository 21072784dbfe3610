import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { shareEnvironment, visibleDeviceIds } from "../../src/agent/accelerator-env.js";
import type { DeviceInfo } from "../../src/domain/resources.js";
import { parseNvidiaSmi, withMigDevices } from "../../src/instances/gpu-discovery.js";
import { realDevice } from "../../src/instances/local-provider.js";

// The line formats of nvidia-smi (--query-gpu csv, and -L on a GPU in MIG mode); the UUIDs are made up.
const query = `0, GPU-5d5ba0d6-1b2c-3d4e-5f60-718293a4b5c6, NVIDIA A100-SXM4-80GB, 81920
1, GPU-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9, NVIDIA A100-SXM4-80GB, 81920
`;
const listing = `GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-5d5ba0d6-1b2c-3d4e-5f60-718293a4b5c6)
  MIG 3g.40gb     Device  0: (UUID: MIG-c6d4f1ef-42e4-5de3-91c7-45d71c87eb3f)
  MIG 1g.10gb     Device  1: (UUID: MIG-4d5b9e8a-7c6d-5e4f-3a2b-1c0d9e8f7a6b)
GPU 1: NVIDIA A100-SXM4-80GB (UUID: GPU-0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9)
`;

describe("GPU devices a copy is given", () => {
  it("lists each MIG instance as a device of its own in place of its GPU", () => {
    const gpus = withMigDevices(parseNvidiaSmi(query), listing);
    assert.deepEqual(
      gpus.map((g) => [g.index, g.uuid.slice(0, 12), g.name, g.memoryMiB, g.mig]),
      [
        [2, "MIG-c6d4f1ef", "NVIDIA A100-SXM4-80GB MIG 3g.40gb", 38912, { gpu: 0, device: 0 }],
        [3, "MIG-4d5b9e8a", "NVIDIA A100-SXM4-80GB MIG 1g.10gb", 9728, { gpu: 0, device: 1 }],
        [1, "GPU-0a1b2c3d", "NVIDIA A100-SXM4-80GB", 81920, undefined],
      ],
    );
  });

  it("leaves GPUs alone when nvidia-smi -L lists no MIG instance", () => {
    const gpus = parseNvidiaSmi(query);
    assert.deepEqual(withMigDevices(gpus, "GPU 0: NVIDIA A100-SXM4-80GB (UUID: GPU-5d5ba0d6-1b2c-3d4e-5f60-718293a4b5c6)\n"), gpus);
  });

  it("names a MIG instance by its UUID in CUDA_VISIBLE_DEVICES, a GPU by its index", () => {
    const devices = withMigDevices(parseNvidiaSmi(query), listing).map(realDevice);
    assert.deepEqual(visibleDeviceIds({ devices: [3] }, devices), ["MIG-4d5b9e8a-7c6d-5e4f-3a2b-1c0d9e8f7a6b"]);
    assert.deepEqual(visibleDeviceIds({ devices: [1] }, devices), ["1"]);
  });

  it("tells a copy with a share its MiB, its fraction of the device and, where MPS runs, MPS's limits", () => {
    const devices: DeviceInfo[] = [{ index: 0, source: "modelled", name: "A10G", memoryMiB: 24576 }];
    const copy = { devices: [0], share: { memoryMiB: 8192, computePercent: 30 } };
    assert.deepEqual(shareEnvironment(copy, devices, false), {
      BERTH_ACCELERATOR_MEMORY_MB: "8192",
      BERTH_ACCELERATOR_MEMORY_FRACTION: "0.3333",
      BERTH_ACCELERATOR_COMPUTE_PERCENT: "30",
    });
    assert.deepEqual(shareEnvironment(copy, devices, true), {
      BERTH_ACCELERATOR_MEMORY_MB: "8192",
      BERTH_ACCELERATOR_MEMORY_FRACTION: "0.3333",
      BERTH_ACCELERATOR_COMPUTE_PERCENT: "30",
      CUDA_MPS_PINNED_DEVICE_MEM_LIMIT: "0=8192M",
      CUDA_MPS_ACTIVE_THREAD_PERCENTAGE: "30",
    });
    assert.deepEqual(shareEnvironment({ devices: [0] }, devices, true), {}, "a whole-device copy gets none of it");
  });
});
