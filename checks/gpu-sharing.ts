/**
 * The GPU check: what the CPU suite can only model, run against a real NVIDIA GPU. Needs nvidia-smi,
 * python3 with PyTorch (or BERTH_GPU_CHECK_PYTHON), and root (to start copies as another user). Run it on a GPU host with
 * `npm run check:gpu`; it writes what it saw to $BERTH_GPU_CHECK_OUT (default ./gpu-check) and exits 1
 * on the first thing that does not hold. It is not part of `npm test`: CI machines have no GPU.
 */
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { discoverGpus } from "../src/instances/gpu-discovery.js";
import { startBerth, type BerthProcess } from "../test/support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName, waitForComponent } from "../test/support/fixtures.js";
import { invoke } from "../test/support/invoke.js";
import { placement } from "../test/support/placement.js";
import { eventually } from "../test/support/wait.js";

const probe = fileURLToPath(new URL("../../test/fixtures/gpu-probe.py", import.meta.url));
const out = process.env.BERTH_GPU_CHECK_OUT ?? "gpu-check";
const copyUser = "65534:65534";
/** The python that holds PyTorch, as the copy user runs it. */
const python = process.env.BERTH_GPU_CHECK_PYTHON ?? "python3";
const seen: Record<string, unknown> = {};

interface ProbeAnswer {
  env: Record<string, string>;
  uid: number;
  deviceCount: number;
  deviceName: string;
  deviceUuid: string;
  keepsToFraction: boolean;
  heldMiB: number;
  withinShare: string;
  beyondShare: string;
}

function record(name: string, value: unknown): void {
  seen[name] = value;
  writeFileSync(join(out, "gpu-check.json"), JSON.stringify(seen, null, 2));
  console.log(`${name}: ${JSON.stringify(value, null, 2)}`);
}

function shareComponent(endpoint: string, memoryMiB: number, env: Record<string, string> = {}) {
  const input = echoComponent(endpoint, { name: uniqueName("gpu"), image: "gpu-probe", env, cpu: 1 });
  return { ...input, Tags: [{ Key: "berth:AcceleratorMemoryRequiredInMb", Value: String(memoryMiB) }] };
}

async function ask(berth: BerthProcess, endpoint: string, component: string): Promise<ProbeAnswer> {
  return JSON.parse((await invoke(berth.runtime, endpoint, component, "{}")).body) as ProbeAnswer;
}

async function serverWithProbe(): Promise<BerthProcess> {
  return startBerth({ config: { images: { "gpu-probe": { command: [python, probe, "{port}"] } }, copies: { user: copyUser } } });
}

/** Two copies that keep to their shares on one real GPU, and a third refused for want of device memory. */
async function sharingOneGpu(gpuMiB: number, gpuUuid: string): Promise<void> {
  const berth = await serverWithProbe();
  try {
    // ml.g6e.xlarge models one 48 GiB L40S; on this host its instance claims the real GPU instead.
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g6e.xlarge" });
    const shareMiB = Math.floor(gpuMiB * 0.4);
    const first = await createComponent(berth.sagemaker, shareComponent(endpoint, shareMiB));
    const second = await createComponent(berth.sagemaker, shareComponent(endpoint, shareMiB));
    const third = await createComponent(berth.sagemaker, shareComponent(endpoint, shareMiB), null);

    const [instance] = await placement(berth.url, endpoint);
    record("placementDevice", instance!.devices[0]);
    assert.equal(instance!.devices[0]!.uuid, gpuUuid, "the instance claims the real GPU nvidia-smi lists");

    for (const name of [first, second]) {
      const answer = await ask(berth, endpoint, name);
      record(`copy ${name}`, answer);
      assert.equal(answer.env.CUDA_VISIBLE_DEVICES, "0");
      assert.equal(answer.deviceCount, 1, "the copy sees exactly one device");
      assert.equal(answer.deviceUuid, gpuUuid, "the copy's device is the real GPU the placement view names");
      assert.notEqual(answer.uid, 0, "the copy does not run as root");
      assert.equal(answer.env.BERTH_ACCELERATOR_MEMORY_MB, String(shareMiB));
      assert.equal(answer.withinShare, "allocated", "an allocation within the share succeeds while the neighbour holds its own");
      assert.match(answer.beyondShare, /OutOfMemory/, "an allocation beyond the share is refused by the engine keeping to BERTH_ACCELERATOR_MEMORY_FRACTION");
    }
    record("nvidia-smi compute apps", execFileSync("nvidia-smi", ["--query-compute-apps=pid,used_memory", "--format=csv"], { encoding: "utf8" }));

    const refused = await eventually(
      async () => {
        const reason = (await waitForComponent(berth.sagemaker, third, "Creating")).FailureReason;
        return reason?.includes("accelerator memory") ? reason : undefined;
      },
      { timeoutMs: 60_000, what: `component ${third} to report the device-memory shortfall` },
    );
    record("third copy refused", refused);
  } finally {
    await berth.stop();
  }
}

/** Under an MPS daemon, MPS holds a copy to its share even when the engine ignores it. */
async function sharingUnderMps(): Promise<void> {
  const control = spawnSync("which", ["nvidia-cuda-mps-control"], { encoding: "utf8" });
  if (control.status !== 0) {
    record("mps", "nvidia-cuda-mps-control is not installed on this host: the MPS part was not checked");
    throw new Error("nvidia-cuda-mps-control is missing, so MPS limits could not be checked");
  }
  const pipes = "/tmp/nvidia-mps";
  mkdirSync(pipes, { recursive: true });
  execFileSync("nvidia-cuda-mps-control", ["-d"]);
  try {
    await eventually(async () => (existsSync(join(pipes, "control")) ? true : undefined), { what: "the MPS control pipe" });
    const berth = await serverWithProbe();
    try {
      await berth.waitForLog((line) => String(line.msg).includes("an MPS daemon runs on this host"), 30_000);
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g6e.xlarge" });
      const component = await createComponent(berth.sagemaker, shareComponent(endpoint, 20_000, { PROBE_IGNORE_FRACTION: "1" }), null);
      await waitForComponent(berth.sagemaker, component, "InService", 120_000);
      const answer = await ask(berth, endpoint, component);
      record("copy under MPS", answer);
      assert.equal(answer.env.CUDA_MPS_PINNED_DEVICE_MEM_LIMIT, "0=20000M");
      assert.equal(answer.keepsToFraction, false);
      assert.equal(answer.withinShare, "allocated");
      assert.doesNotMatch(answer.beyondShare, /^allocated$/, "MPS refuses an allocation beyond CUDA_MPS_PINNED_DEVICE_MEM_LIMIT");
    } finally {
      await berth.stop();
    }
  } finally {
    execFileSync("nvidia-cuda-mps-control", [], { input: "quit\n" });
  }
}

async function main(): Promise<void> {
  mkdirSync(out, { recursive: true });
  const query = spawnSync("nvidia-smi", ["--query-gpu=index,uuid,name,memory.total", "--format=csv,noheader,nounits"], { encoding: "utf8" });
  const list = spawnSync("nvidia-smi", ["-L"], { encoding: "utf8" });
  if (query.status !== 0) throw new Error(`nvidia-smi did not answer (${query.error?.message ?? query.stderr}): this check needs a host with an NVIDIA GPU`);
  writeFileSync(join(out, "nvidia-smi-query.csv"), query.stdout);
  writeFileSync(join(out, "nvidia-smi-L.txt"), list.stdout);
  const gpus = await discoverGpus();
  record("discovered", gpus);
  assert.ok(gpus.length > 0, "discoverGpus finds the GPU nvidia-smi lists");
  const torch = spawnSync(
    "setpriv",
    ["--reuid=65534", "--regid=65534", "--clear-groups", python, "-c", "import torch; print(torch.__version__, torch.cuda.is_available())"],
    {
      encoding: "utf8",
    },
  );
  record("torch as the copy user", torch.stdout.trim() || torch.stderr.trim());
  await sharingOneGpu(gpus[0]!.memoryMiB, gpus[0]!.uuid);
  await sharingUnderMps();
  console.log("GPU check passed");
}

main().catch((error: unknown) => {
  console.error(`GPU check failed: ${(error as Error).stack ?? String(error)}`);
  process.exit(1);
});
