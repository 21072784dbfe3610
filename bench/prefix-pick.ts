import { pickCopy, type CopyLoad, type PickOptions } from "../src/router/pick.js";
import type { PrefixRouting } from "../src/router/prefix/prefix-pick.js";
import type { RouteCopy, RoutingStrategy } from "../src/router/table.js";
import { median } from "./support/table.js";

/**
 * What choosing a copy costs per request under PREFIX_AWARE (exact and block matching) against
 * LEAST_OUTSTANDING_REQUESTS, in one process: 4 copies, 64 bodies of 9 KB sharing 8 prompts. Rounds
 * interleave the modes, and the table gives each median as a multiple of LOR's, so load from elsewhere
 * on the machine cancels out. Run: npx tsc -p . && node dist/bench/prefix-pick.js
 */
const copies: RouteCopy[] = [1, 2, 3, 4].map((i) => ({ id: `ic-bench-${i}`, origin: "http://127.0.0.1", instanceId: "i-1" }));
const loads = new Map<string, CopyLoad>(copies.map((c) => [c.id, { inFlight: 0 }]));
const loadOf = (copy: RouteCopy) => loads.get(copy.id)!;
const bodies = Array.from({ length: 64 }, (_, i) => Buffer.from(`system prompt ${i % 8}: `.repeat(600)));

const modes: { name: string; strategy: RoutingStrategy; prefix?: PrefixRouting; picks: number }[] = [
  { name: "LEAST_OUTSTANDING_REQUESTS", strategy: "LEAST_OUTSTANDING_REQUESTS", picks: 200_000 },
  { name: "PREFIX_AWARE, PrefixLength 1024", strategy: "PREFIX_AWARE", prefix: { prefixLength: 1024, concurrencyThreshold: 8 }, picks: 50_000 },
  { name: "PREFIX_AWARE, PrefixLength 4096", strategy: "PREFIX_AWARE", prefix: { prefixLength: 4096, concurrencyThreshold: 8 }, picks: 20_000 },
  {
    name: "blocks of 256, PrefixLength 4096",
    strategy: "PREFIX_AWARE",
    prefix: { prefixLength: 4096, concurrencyThreshold: 8, blockBytes: 256 },
    picks: 20_000,
  },
];

function nsPerPick(mode: (typeof modes)[number]): number {
  const options: PickOptions = { rotation: 0, random: Math.random, limit: 64, prefix: mode.prefix };
  const started = process.hrtime.bigint();
  for (let k = 0; k < mode.picks; k++) {
    options.rotation = k;
    options.request = { body: bodies[k & 63]! };
    if (!pickCopy(copies, mode.strategy, loadOf, options)) throw new Error("no copy picked");
  }
  return Number(process.hrtime.bigint() - started) / mode.picks;
}

const samples = modes.map(() => [] as number[]);
for (let round = 0; round < 9; round++) modes.forEach((mode, i) => samples[i]!.push(nsPerPick(mode)));
const lor = median(samples[0]!);
for (const [i, mode] of modes.entries()) {
  const ns = median(samples[i]!);
  console.log(`${mode.name.padEnd(34)} ${(ns / 1000).toFixed(2).padStart(6)} µs per pick  ×${(ns / lor).toFixed(1)} of LOR`);
}
