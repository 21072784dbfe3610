import assert from "node:assert/strict";
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { Router } from "../../src/router/router.js";
import { RouterMetrics } from "../../src/router/metrics.js";
import type { RouteCopy } from "../../src/router/table.js";
import { copyAbsentHeader } from "../../src/router/upstream.js";
import { eventually } from "../support/wait.js";
import { ManualClock } from "../metrics/manual-clock.js";
import { answerModes, invokeRequest, oneComponentTable } from "../support/routing.js";

// The router sends a request to another copy only when the first copy provably never got it.

const table = (copies: RouteCopy[]) => oneComponentTable(copies, { strategy: "RANDOM" });

const request = (gatherUpTo: number | undefined) => invokeRequest({ headers: { "content-type": "application/json" }, gatherUpTo });

async function invoke(router: Router, gatherUpTo: number | undefined): Promise<string> {
  const result = await router.invoke(request(gatherUpTo));
  const chunks: Buffer[] = [];
  for await (const chunk of result.body) chunks.push(chunk as Buffer);
  result.finish("ok");
  return Buffer.concat(chunks).toString();
}

async function retries(metrics: RouterMetrics, reason: string): Promise<number> {
  const metric = (await metrics.registry.getMetricsAsJSON()).find((m) => m.name === "berth_invocation_retries_total");
  return (metric?.values ?? []).filter((v) => v.labels.reason === reason).reduce((sum, v) => sum + v.value, 0);
}

/** A model server in its own process, answering each request with its name. */
async function copyProcess(name: string): Promise<{ child: ChildProcess; origin: string }> {
  const script = `
    const http = require("node:http");
    http.createServer((req, res) => {
      req.resume();
      req.on("end", () => res.end(process.argv[1]));
    }).listen(0, "127.0.0.1", function () { process.stdout.write(this.address().port + "\\n"); });`;
  const child = spawn(process.execPath, ["-e", script, name], { stdio: ["ignore", "pipe", "inherit"] });
  const [line] = (await once(child.stdout!, "data")) as [Buffer];
  return { child, origin: `http://127.0.0.1:${Number(line.toString().trim())}` };
}

/** A copy whose process was killed: nothing listens at its origin any more. */
async function deadCopy(name: string): Promise<{ origin: string }> {
  const gone = await copyProcess(name);
  const exited = once(gone.child, "exit");
  gone.child.kill("SIGKILL");
  await exited;
  return gone;
}

/** Copy a's agent answers once that it does not run the copy, then a serves ("a"); b always serves ("b"). */
function absentOnceThenServing(): { flaky: Server; other: Server } {
  let absentFor = 1;
  const flaky = createServer((req, res) => {
    req.resume();
    if (absentFor-- > 0) res.writeHead(503, { [copyAbsentHeader]: "copy-a" }).end("copy copy-a is not running on this host");
    else req.on("end", () => res.end("a"));
  });
  const other = createServer((req, res) => {
    req.resume();
    req.on("end", () => res.end("b"));
  });
  return { flaky, other };
}

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

for (const { name, gatherUpTo } of answerModes)
  describe(`router retries, ${name}`, () => {
    const children: ChildProcess[] = [];
    const servers: Server[] = [];
    after(async () => {
      for (const child of children) child.kill("SIGKILL");
      for (const server of servers) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    });

    it("keeps serving through the other copy when one copy's process is killed; only requests in flight on it fail", async () => {
      const a = await copyProcess("a");
      const b = await copyProcess("b");
      children.push(a.child, b.child);
      const metrics = new RouterMetrics({ defaultMetrics: false });
      const router = new Router({ accountId: "123456789012", observer: metrics });
      router.setTable(
        table([
          { id: "copy-a", origin: a.origin, instanceId: "i-a" },
          { id: "copy-b", origin: b.origin, instanceId: "i-b" },
        ]),
      );
      type Phase = "before" | "dying" | "after";
      let phase = "before" as Phase;
      const outcomes: { phase: Phase; ok: boolean; error?: string }[] = [];
      let running = true;
      const worker = async () => {
        while (running) {
          const started = phase;
          try {
            await invoke(router, gatherUpTo);
            outcomes.push({ phase: started, ok: true });
          } catch (error) {
            outcomes.push({ phase: started, ok: false, error: (error as Error).message });
          }
        }
      };
      const workers = Array.from({ length: 8 }, worker);
      await eventually(async () => (outcomes.filter((o) => o.ok).length >= 100 ? true : undefined), { what: "100 requests served by both copies" });

      phase = "dying";
      const exited = once(a.child, "exit");
      a.child.kill("SIGKILL");
      await exited;
      // Requests that were on the killed copy settle; after that no request can still be on it.
      await eventually(async () => (router.inFlight("copy-a") === 0 ? true : undefined), { what: "the killed copy's requests to settle" });
      await new Promise((resolve) => setImmediate(resolve));
      phase = "after";
      await eventually(async () => (outcomes.filter((o) => o.phase === "after" && o.ok).length >= 200 ? true : undefined), {
        what: "200 requests served after the kill",
      });
      running = false;
      await Promise.all(workers);

      const failedAfter = outcomes.filter((o) => o.phase === "after" && !o.ok);
      assert.deepEqual(failedAfter, [], "every request sent after the copy died succeeded");
      // Each worker has one request in flight at a time: at most that many can have been on the copy as it died.
      const failed = outcomes.filter((o) => !o.ok);
      assert.ok(failed.length <= workers.length, `no more failures than requests in flight: ${failed.length}`);
      assert.ok(
        failed.every((o) => /could not be reached/.test(o.error ?? "")),
        `the failures are the requests the copy held when it died: ${JSON.stringify(failed)}`,
      );
      await router.close();
    });

    it("passes over a copy whose connection just failed, and tries it again once its failing time is over", async () => {
      const gone = await deadCopy("gone-first");
      const b = await copyProcess("b");
      children.push(b.child);
      const clock = new ManualClock();
      const metrics = new RouterMetrics({ defaultMetrics: false });
      // random 0: RANDOM starts at the dead copy, so every request would meet it first.
      const router = new Router({ accountId: "123456789012", observer: metrics, clock, random: () => 0, failingCopyMs: 5_000 });
      router.setTable(
        table([
          { id: "copy-gone", origin: gone.origin, instanceId: "i-dead" },
          { id: "copy-b", origin: b.origin, instanceId: "i-b" },
        ]),
      );
      for (let k = 0; k < 10; k++) assert.equal(await invoke(router, gatherUpTo), "b");
      assert.equal(await retries(metrics, "unreachable"), 1, "only the first request tried the dead copy, and was retried and counted");
      clock.advance(4_999);
      assert.equal(await invoke(router, gatherUpTo), "b");
      assert.equal(await retries(metrics, "unreachable"), 1, "the copy is still passed over within its failing time");
      clock.advance(1);
      assert.equal(await invoke(router, gatherUpTo), "b");
      assert.equal(await retries(metrics, "unreachable"), 2, "after its failing time the copy is tried again");
      await router.close();
    });

    it("trusts a failing copy again once the routing table shows it restarted", async () => {
      const { flaky, other } = absentOnceThenServing();
      servers.push(flaky, other);
      const router = new Router({
        accountId: "123456789012",
        observer: new RouterMetrics({ defaultMetrics: false }),
        clock: new ManualClock(),
        random: () => 0,
      });
      const a = { id: "copy-a", origin: await listen(flaky), instanceId: "i-a", restarts: 0 };
      const b = { id: "copy-b", origin: await listen(other), instanceId: "i-b" };
      router.setTable(table([a, b]));
      assert.equal(await invoke(router, gatherUpTo), "b", "copy a said it was absent: the request went on to b");
      router.setTable(table([{ ...a }, b]));
      assert.equal(await invoke(router, gatherUpTo), "b", "a new table with the same copy a does not clear it");
      router.setTable(table([{ ...a, restarts: 1 }, b]));
      assert.equal(await invoke(router, gatherUpTo), "a", "copy a restarted: it is picked first again (random 0)");
      await router.close();
    });

    it("still sends to a copy whose connection failed when it is the only copy, and trusts it again once it answers", async () => {
      const { flaky, other } = absentOnceThenServing();
      servers.push(flaky, other);
      const clock = new ManualClock();
      const metrics = new RouterMetrics({ defaultMetrics: false });
      const router = new Router({ accountId: "123456789012", observer: metrics, clock, random: () => 0 });
      const a = { id: "copy-a", origin: await listen(flaky), instanceId: "i-a" };
      const b = { id: "copy-b", origin: await listen(other), instanceId: "i-b" };
      router.setTable(table([a, b]));
      assert.equal(await invoke(router, gatherUpTo), "b", "copy a said it was absent: the request went on to b");
      assert.equal(await invoke(router, gatherUpTo), "b", "copy a is passed over while it is failing");
      router.setTable(table([a]));
      assert.equal(await invoke(router, gatherUpTo), "a", "a failing copy that is the only one left still gets requests");
      router.setTable(table([a, b]));
      assert.equal(await invoke(router, gatherUpTo), "a", "once it answered, copy a is picked first again (random 0)");
      assert.equal(await retries(metrics, "copy_absent"), 1);
      await router.close();
    });

    it("passes over a copy whose answer broke off mid-body, and does not send the broken request again", async () => {
      let breakNext = true;
      const breaking = createServer((req, res) => {
        req.resume();
        req.on("end", () => {
          if (!breakNext) return void res.end("a");
          breakNext = false;
          // The model process dies after its first bytes: the connection closes with the answer unfinished.
          res.writeHead(200, { "content-type": "text/plain" });
          res.write("the first half of a", () => res.socket?.destroy());
        });
      });
      const other = createServer((req, res) => {
        req.resume();
        req.on("end", () => res.end("b"));
      });
      servers.push(breaking, other);
      const metrics = new RouterMetrics({ defaultMetrics: false });
      // random 0 picks copy a first; the manual clock keeps it within its failing time.
      const router = new Router({ accountId: "123456789012", observer: metrics, clock: new ManualClock(), random: () => 0 });
      const a = { id: "copy-a", origin: await listen(breaking), instanceId: "i-a" };
      const b = { id: "copy-b", origin: await listen(other), instanceId: "i-b" };
      router.setTable(table([a, b]));
      await assert.rejects(invoke(router, gatherUpTo), "the answer that broke off fails: the copy may have acted on the request");
      assert.equal(await retries(metrics, "unreachable"), 0, "the broken request was not sent to another copy");
      for (let k = 0; k < 3; k++) assert.equal(await invoke(router, gatherUpTo), "b", "copy a is passed over after its answer broke off");
      router.setTable(table([a]));
      assert.equal(await invoke(router, gatherUpTo), "a", "copy a still serves when it is the only copy");
      await router.close();
    });

    it("retries on another copy when an agent's proxy answers that the copy is not there, and counts it", async () => {
      const absent = createServer((req, res) => {
        req.resume();
        res.writeHead(503, { [copyAbsentHeader]: "copy-a" }).end("copy copy-a is not running on this host");
      });
      const present = createServer((req, res) => {
        req.resume();
        req.on("end", () => res.end("b"));
      });
      servers.push(absent, present);
      const metrics = new RouterMetrics({ defaultMetrics: false });
      const router = new Router({ accountId: "123456789012", observer: metrics });
      router.setTable(
        table([
          { id: "copy-a", origin: await listen(absent), instanceId: "i-a" },
          { id: "copy-b", origin: await listen(present), instanceId: "i-b" },
        ]),
      );
      for (let k = 0; k < 20; k++) assert.equal(await invoke(router, gatherUpTo), "b");
      assert.ok((await retries(metrics, "copy_absent")) > 0, "some requests went to the absent copy first and were retried");
      await router.close();
    });

    it("does not retry a 503 from the model itself: the copy got the request", async () => {
      let reached = 0;
      const busy = createServer((req, res) => {
        reached++;
        req.resume();
        res.writeHead(503).end("overloaded");
      });
      servers.push(busy);
      const metrics = new RouterMetrics({ defaultMetrics: false });
      const router = new Router({ accountId: "123456789012", observer: metrics });
      const origin = await listen(busy);
      router.setTable(
        table([
          { id: "copy-a", origin, instanceId: "i-a" },
          { id: "copy-b", origin, instanceId: "i-b" },
        ]),
      );
      await assert.rejects(invoke(router, gatherUpTo), /Received server error \(503\)/);
      assert.equal(reached, 1, "the model was asked once");
      assert.equal((await retries(metrics, "copy_absent")) + (await retries(metrics, "unreachable")), 0);
      await router.close();
    });

    it("holds a request whose every copy is gone until a table brings another copy, as at zero copies", async () => {
      const gone = await deadCopy("gone");
      const replacement = await copyProcess("replacement");
      children.push(replacement.child);
      const router = new Router({ accountId: "123456789012", observer: new RouterMetrics({ defaultMetrics: false }) });
      router.setTable(table([{ id: "copy-gone", origin: gone.origin, instanceId: "i-dead" }]));
      let settled = false;
      const answer = invoke(router, gatherUpTo).finally(() => (settled = true));
      // The request has met the dead copy and waits: it settles only once the next table is pushed.
      await eventually(async () => (router.inFlight("copy-gone") === 0 ? true : undefined), { what: "the request to try the dead copy" });
      await new Promise((resolve) => setImmediate(resolve));
      assert.equal(settled, false, "the request waits for another copy instead of failing");
      router.setTable(table([{ id: "copy-new", origin: replacement.origin, instanceId: "i-new" }]));
      assert.equal(await answer, "replacement");
      await router.close();
    });

    it("fails a request whose every copy is gone with ModelError once the hold time passes without another copy", async () => {
      const gone = await deadCopy("gone-for-good");
      const router = new Router({ accountId: "123456789012", observer: new RouterMetrics({ defaultMetrics: false }), hold: { holdMs: 200, maxHeld: 10 } });
      router.setTable(table([{ id: "copy-gone", origin: gone.origin, instanceId: "i-dead" }]));
      await assert.rejects(invoke(router, gatherUpTo), /could not be reached/);
      await router.close();
    });
  });
