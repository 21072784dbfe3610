import assert from "node:assert/strict";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { CopyProxy } from "../../src/agent/copy-proxy.js";
import { Router } from "../../src/router/router.js";
import type { RouteCopy } from "../../src/router/table.js";
import { silentLogger } from "../../src/util/logger.js";
import { eventually } from "../support/wait.js";
import { invokeRequest, oneComponentTable } from "../support/routing.js";

// The router and two agents' copy proxies, in-process: each proxy in front of a model server standing in for its copy.

const quietObserver = { requestStarted: () => undefined, requestFinished: () => undefined };

const table = (copies: RouteCopy[]) => oneComponentTable(copies);

const request = () => invokeRequest();

interface Host {
  proxy: CopyProxy;
  model: Server;
  route: RouteCopy;
  seen: Record<string, string | string[] | undefined>[];
}

async function startHost(name: string, key: string): Promise<Host> {
  const seen: Host["seen"] = [];
  const model = createServer((req, res) => {
    seen.push(req.headers);
    res.writeHead(200, { "content-type": "text/plain" });
    res.end(`answered by ${name}`);
  });
  await new Promise<void>((resolve) => model.listen(0, "127.0.0.1", resolve));
  const proxy = new CopyProxy({ log: silentLogger() });
  const port = await proxy.listen("127.0.0.1", 0);
  proxy.configure(key, { host: "127.0.0.1", port });
  const copyId = `${name}-copy`;
  const reported = proxy.report({ copyId, phase: "Ready", port: (model.address() as AddressInfo).port, restarts: 0, since: 0 });
  assert.equal(reported.port, port, "the status routers see names the proxy's port");
  const route = {
    id: copyId,
    origin: `http://127.0.0.1:${port}`,
    instanceId: `${name}-i`,
    headers: { authorization: `Bearer ${key}`, "x-berth-copy": copyId },
  };
  return { proxy, model, route, seen };
}

describe("routers through agents' copy proxies", () => {
  let a: Host;
  let b: Host;
  before(async () => {
    a = await startHost("a", "key-of-agent-a");
    b = await startHost("b", "key-of-agent-b");
  });
  after(async () => {
    for (const host of [a, b]) {
      await host?.proxy.close();
      host?.model.closeAllConnections();
      await new Promise((resolve) => host?.model.close(resolve));
    }
  });

  it("reach the copy with the agent's key and the copy's id, which the copy itself never sees", async () => {
    const router = new Router({ accountId: "123456789012", observer: quietObserver });
    router.setTable(table([a.route]));
    const result = await router.invoke(request());
    let text = "";
    for await (const chunk of result.body) text += String(chunk);
    result.finish("ok");
    assert.equal(text, "answered by a");
    const headers = a.seen.at(-1)!;
    assert.equal(headers.authorization, undefined, "the agent key stops at the proxy");
    assert.equal(headers["x-berth-copy"], undefined);
    await router.close();
  });

  it("try another copy when an agent answers that its copy is not ready there", async () => {
    const outcomes: string[] = [];
    const router = new Router({
      accountId: "123456789012",
      observer: { requestStarted: () => undefined, requestFinished: (_t, outcome) => outcomes.push(outcome) },
    });
    a.proxy.report({ copyId: a.route.id, phase: "Stopping", port: 1, restarts: 0, since: 0 });
    router.setTable(table([a.route, b.route]));
    for (let i = 0; i < 4; i++) {
      const result = await router.invoke(request());
      let text = "";
      for await (const chunk of result.body) text += String(chunk);
      result.finish("ok");
      assert.equal(text, "answered by b");
    }
    assert.ok(outcomes.includes("unreachable"), `the router did try the copy that was not ready (outcomes: ${outcomes.join(", ")})`);
    await router.close();
  });

  it("lets a stopping copy drain: the drain ends once its requests in flight have finished", async () => {
    let release!: () => void;
    const slow = createServer((_req, res) => {
      release = () => res.end("late answer");
    });
    await new Promise<void>((resolve) => slow.listen(0, "127.0.0.1", resolve));
    const proxy = new CopyProxy({ log: silentLogger() });
    const port = await proxy.listen("127.0.0.1", 0);
    proxy.configure("k", { host: "127.0.0.1", port });
    proxy.report({ copyId: "slow-copy", phase: "Ready", port: (slow.address() as AddressInfo).port, restarts: 0, since: 0 });
    const answer = fetch(`http://127.0.0.1:${port}/invocations`, {
      method: "POST",
      headers: { authorization: "Bearer k", "x-berth-copy": "slow-copy" },
      body: "{}",
    });
    await eventually(async () => (proxy.inFlight("slow-copy") === 1 ? true : undefined), { what: "the request to be in flight through the proxy" });
    proxy.report({ copyId: "slow-copy", phase: "Stopping", port: (slow.address() as AddressInfo).port, restarts: 0, since: 0 });
    let drained = false;
    const drain = proxy.drain("slow-copy", 60_000).then(() => (drained = true));
    const refused = await fetch(`http://127.0.0.1:${port}/invocations`, {
      method: "POST",
      headers: { authorization: "Bearer k", "x-berth-copy": "slow-copy" },
      body: "{}",
    });
    assert.equal(refused.status, 503, "a stopping copy takes no new request");
    assert.equal(refused.headers.get("x-berth-copy-absent"), "slow-copy");
    assert.equal(drained, false, "the drain waits for the request in flight");
    release();
    assert.equal(await (await answer).text(), "late answer");
    await drain;
    await proxy.close();
    slow.closeAllConnections();
    await new Promise((resolve) => slow.close(resolve));
  });
});
