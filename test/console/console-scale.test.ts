import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { readdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Browser } from "playwright-core";
import { runSimulate } from "../../src/cli/simulate-command.js";
import type { ConsoleSnapshot } from "../../src/console/types.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { launchChromium, watchedPage } from "./browser.js";
import { tempDir } from "../support/temp-dir.js";

type Instance = ConsoleSnapshot["instances"][number];

/** 100 eight-GPU instances holding 1,000 copies of 50 models: six whole-GPU copies and four half-GPU shares on each. */
function bigSnapshot(): ConsoleSnapshot {
  const instances: Instance[] = [];
  let n = 0;
  const copy = (owner: string, devices: number[], share?: { memoryMiB: number }) => ({
    copyId: `${owner}-${++n}`,
    owner,
    ownerType: "inference-component" as const,
    state: "Active",
    phase: n % 37 === 0 ? "Starting" : "Ready",
    devices,
    cpuCores: 8,
    memoryMiB: 65536,
    restarts: 0,
    share,
  });
  for (let i = 0; i < 100; i++) {
    const model = (k: number) => `model-${(i * 10 + k) % 50}`;
    const whole = [0, 1, 2, 3, 4, 5].map((d) => copy(model(d), [d]));
    const shares = [6, 6, 7, 7].map((d, k) => copy(model(6 + k), [d], { memoryMiB: 20480 }));
    const copies = [...whole, ...shares];
    instances.push({
      instanceId: `fleet.AllTraffic.g1.${i}`,
      endpointName: "fleet",
      variantName: "AllTraffic",
      instanceType: "ml.p4d.24xlarge",
      generation: 1,
      state: "InService",
      host: "local",
      capacity: { accelerators: 8, cpuCores: 96, memoryMiB: 1_061_683 },
      free: { accelerators: 0, cpuCores: 16, memoryMiB: 406_323 },
      devices: Array.from({ length: 8 }, (_, d) => ({
        index: d,
        source: "modelled" as const,
        name: "A100",
        memoryMiB: 40960,
        freeMemoryMiB: 0,
        ...(d < 6 ? { heldBy: whole[d]!.copyId } : { shares: shares.filter((s) => s.devices[0] === d).map((s) => ({ copyId: s.copyId, memoryMiB: 20480 })) }),
      })),
      copies,
    });
  }
  const names = Array.from({ length: 50 }, (_, k) => `model-${k}`);
  return {
    at: Date.now(),
    endpoints: [{ name: "fleet", status: "InService", createdAt: Date.now() }],
    components: names.map((name) => ({
      name,
      endpointName: "fleet",
      variantName: "AllTraffic",
      status: "InService",
      desiredCopies: 20,
      currentCopies: 20,
      image: "berth/echo",
    })),
    instances,
    activities: [],
  };
}

const simFixture = (name: string) => fileURLToPath(new URL(`../../../test/sim/fixtures/${name}`, import.meta.url));

describe("the web console with 100 instances and 1,000 copies, and a simulator report", () => {
  let berth: BerthProcess;
  let browser: Browser;
  before(async () => {
    [berth, browser] = await Promise.all([startBerth({ args: ["--insecure-no-auth"] }), launchChromium()]);
  });
  after(async () => {
    await browser?.close();
    await berth?.stop();
  });

  it("draws every copy on the map and names the one under the pointer", async () => {
    const { page, errors } = await watchedPage(browser);
    const snapshot = bigSnapshot();
    // The page is the real build from the real server; only its data is this synthetic fleet.
    await page.route("**/console/api/events", (route) =>
      route.fulfill({
        status: 200,
        headers: { "content-type": "text/event-stream", "cache-control": "no-store" },
        body: `retry: 60000\nevent: snapshot\ndata: ${JSON.stringify(snapshot)}\n\n`,
      }),
    );
    await page.goto(`${berth.url}/console/`);
    await page.getByRole("heading", { name: /100 instances, 800 of 800 accelerators in use/ }).waitFor();
    const counts = await page.locator(".legend li .count").allTextContents();
    assert.equal(counts.length, 50);
    assert.equal(
      counts.reduce((sum, c) => sum + Number(c), 0),
      1000,
    );
    const canvas = page.locator(".map canvas");
    const drawMs = await canvas.getAttribute("data-draw-ms");
    console.log(`drew 100 instances and 1,000 copies in ${drawMs} ms; the snapshot event is ${JSON.stringify(snapshot).length} bytes`);
    // The first tile's first accelerator: 6 px in, under the 20 px title.
    await canvas.hover({ position: { x: 12, y: 30 } });
    assert.match((await page.locator(".tip").textContent())!, /^model-0 · model-0-1/);
    assert.deepEqual(errors, []);
  });

  it("shows the report berth simulate wrote, charts included", async () => {
    const out = tempDir("berth-console-sim-");
    const quiet = { out: () => {}, err: () => {} };
    assert.equal(await runSimulate({ portfolio: simFixture("portfolio.yaml"), trace: simFixture("trace"), out, report: true }, quiet), 0);
    const { page, errors } = await watchedPage(browser);
    await page.goto(`${berth.url}/console/#/simulator`);
    await page.locator('input[type="file"]').setInputFiles((await readdir(out)).map((name) => join(out, name)));
    await page.getByRole("heading", { name: "Headline" }).waitFor();
    const chart = page.locator(".report img").first();
    await chart.waitFor();
    assert.ok(await chart.evaluate((img: { complete: boolean; naturalWidth: number }) => img.complete && img.naturalWidth > 0), "the first chart is drawn");
    assert.ok((await page.locator(".report table").count()) > 0, "the headline table is a table");
    assert.deepEqual(errors, []);
  });
});
