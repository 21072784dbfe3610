import assert from "node:assert/strict";
import { join } from "node:path";
import { describe, it } from "node:test";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { pageSizeFromAuxv, parseStat, ProcReader } from "../../src/metrics/proc.js";
import { metricId } from "../../src/metrics/types.js";
import { UtilizationSampler } from "../../src/metrics/utilization.js";
import { silentLogger } from "../../src/util/logger.js";
import { tempDir } from "../support/temp-dir.js";

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);

describe("utilization", () => {
  it("reads CPU ticks and resident pages past a command name holding spaces and parentheses", () => {
    const stat = "4242 (node (copy) 1) S 1 4242 4242 0 -1 4194304 100 0 0 0 250 50 0 0 20 0 11 0 1000 1000 12800 18446744073709551615 1 1";
    assert.deepEqual(parseStat(stat), { cpuTicks: 300, rssPages: 12800 });
    assert.equal(parseStat("4242 (cut short) S 1"), undefined);
  });

  it("finds the page size in an auxiliary vector of either word size", () => {
    const pairs = [
      [33, 7],
      [6, 16384],
      [0, 0],
    ];
    const wide = Buffer.alloc(pairs.length * 16);
    const narrow = Buffer.alloc(pairs.length * 8);
    pairs.forEach(([key, value], i) => {
      wide.writeBigUInt64LE(BigInt(key!), i * 16);
      wide.writeBigUInt64LE(BigInt(value!), i * 16 + 8);
      narrow.writeUInt32BE(key!, i * 8);
      narrow.writeUInt32BE(value!, i * 8 + 4);
    });
    assert.equal(pageSizeFromAuxv(wide, 8, true), 16384);
    assert.equal(pageSizeFromAuxv(narrow, 4, false), 16384);
    assert.equal(pageSizeFromAuxv(wide.subarray(32), 8, true), undefined, "the vector ends (AT_NULL) before any page size");
  });

  it(
    "reads a process's resident memory as the kernel's status file gives it, in the kernel's page size",
    { skip: !new ProcReader().available() && "no /proc here" },
    () => {
      const proc = new ProcReader();
      let getconf: string | undefined;
      try {
        getconf = execFileSync("getconf", ["PAGESIZE"], { encoding: "utf8" }).trim();
      } catch {
        getconf = undefined;
      }
      if (getconf !== undefined) assert.equal(proc.pageBytes, Number(getconf), "the page size from auxv must be what getconf PAGESIZE says");
      const sample = proc.sample(process.pid);
      const vmRss = Number(/^VmRSS:\s+(\d+) kB/m.exec(readFileSync(`/proc/${process.pid}/status`, "utf8"))![1]);
      assert.ok(sample, "this process's stat must be readable");
      assert.ok(Math.abs(sample.rssKiB - vmRss) / vmRss < 0.1, `rss from stat (${sample.rssKiB} KiB) must match VmRSS (${vmRss} KiB)`);
    },
  );

  it(
    "records a copy's memory and CPU against its reservation, and each variant's reservations",
    { skip: !new ProcReader().available() && "no /proc here" },
    async () => {
      const store = new MemoryMetricsStore({ bucketMs: 10_000 });
      const sampler = new UtilizationSampler({
        writer: store,
        log: silentLogger(),
        sources: {
          copyProcesses: () => [{ copyId: "c1", componentName: "ic-u", endpointName: "ep", variantName: "v", pid: process.pid, cpuCores: 1, memoryMiB: 1 }],
          reservations: () => [
            {
              endpointName: "ep",
              variantName: "v",
              reserved: { accelerators: 1, cpuMillis: 500, memoryMiB: 256 },
              capacity: { accelerators: 4, cpuMillis: 2000, memoryMiB: 1024 },
            },
          ],
        },
      });
      await sampler.sample(T0, T0);
      const spinUntil = performance.now() + 30;
      while (performance.now() < spinUntil);
      await sampler.sample(T0 + 10_000, T0 + 50);
      const read = (ns: string, name: string, dims: Record<string, string>) =>
        store.statistics({ metric: metricId(ns, name, dims), statistic: "Maximum", periodMs: 60_000, startMs: T0, endMs: T0 + 60_000 }).map((p) => p.value);
      const memory = read("/aws/sagemaker/InferenceComponents", "MemoryUtilizationNormalized", { InferenceComponentName: "ic-u" });
      assert.ok(memory[0]! > 100, "this process uses more than its 1 MiB 'reservation'");
      assert.equal(read("/aws/sagemaker/InferenceComponents", "CPUUtilizationNormalized", { InferenceComponentName: "ic-u" }).length, 1);
      assert.deepEqual(read("/aws/sagemaker/Endpoints", "CPUReservation", { EndpointName: "ep", VariantName: "v" }), [25]);
      assert.deepEqual(read("/aws/sagemaker/Endpoints", "GPUReservation", { EndpointName: "ep", VariantName: "v" }), [25]);
      assert.deepEqual(read("/aws/sagemaker/Endpoints", "MemoryReservation", { EndpointName: "ep", VariantName: "v" }), [25]);
    },
  );

  it("skips copy utilization, saying so once, where /proc is missing", async () => {
    const store = new MemoryMetricsStore({ bucketMs: 10_000 });
    const lines: string[] = [];
    const log = { info: (_o: unknown, message: string) => lines.push(message) } as unknown as ReturnType<typeof silentLogger>;
    const sampler = new UtilizationSampler({
      writer: store,
      log,
      proc: new ProcReader(join(tempDir("berth-noproc-"), "proc")),
      sources: {
        copyProcesses: () => [{ copyId: "c1", componentName: "ic-u", endpointName: "ep", variantName: "v", pid: process.pid, cpuCores: 1, memoryMiB: 1 }],
        reservations: () => [],
      },
    });
    await sampler.sample(T0, T0);
    await sampler.sample(T0 + 10_000, T0 + 10_000);
    assert.equal(lines.length, 1);
    assert.deepEqual(store.listMetrics({}), []);
  });
});
