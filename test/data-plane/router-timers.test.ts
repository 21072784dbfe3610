import assert from "node:assert/strict";
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, before, describe, it } from "node:test";
import { Router } from "../../src/router/router.js";
import type { RouteCopy } from "../../src/router/table.js";
import { ManualClock } from "../metrics/manual-clock.js";
import { eventually } from "../support/wait.js";
import { invokeRequest, oneComponentTable } from "../support/routing.js";

// The router's hold and drain timers run on the injected clock: a test moves time, nothing waits for it.

const quietObserver = { requestStarted: () => undefined, requestFinished: () => undefined };

const table = (copies: RouteCopy[]) => oneComponentTable(copies, { desiredCopies: 1 });

const request = () => invokeRequest();

/** Settles a promise into an observable state, so a test can check it has not settled yet. */
function track<T>(promise: Promise<T>): { state: "pending" | "resolved" | "rejected"; error?: Error } {
  const tracked: { state: "pending" | "resolved" | "rejected"; error?: Error } = { state: "pending" };
  promise.then(
    () => (tracked.state = "resolved"),
    (error: Error) => Object.assign(tracked, { state: "rejected", error }),
  );
  return tracked;
}

/** Lets already-settled promises run their callbacks. */
const flush = () => new Promise((resolve) => setImmediate(resolve));

describe("router timers on the injected clock", () => {
  let upstream: Server;
  let origin: string;
  const parked: ServerResponse[] = [];

  before(async () => {
    upstream = createServer((_req, res) => parked.push(res));
    await new Promise<void>((resolve) => upstream.listen(0, "127.0.0.1", resolve));
    origin = `http://127.0.0.1:${(upstream.address() as AddressInfo).port}`;
  });

  after(async () => {
    for (const res of parked) res.destroy();
    upstream.closeAllConnections();
    await new Promise((resolve) => upstream.close(resolve));
  });

  it("fails a held request with the no-capacity error once holdMs has passed on the clock, not before", async () => {
    const clock = new ManualClock();
    const router = new Router({ accountId: "123456789012", observer: quietObserver, clock, hold: { holdMs: 30_000, maxHeld: 10 } });
    router.setTable(table([]));
    const held = track(router.invoke(request()));
    clock.advance(29_999);
    await flush();
    assert.equal(held.state, "pending", "the request is still held one millisecond before its hold expires");
    clock.advance(1);
    await eventually(async () => (held.state === "rejected" ? true : undefined), { what: "the held request to fail when its hold expired" });
    assert.match(held.error!.message, /no capacity to process this request/);
    await router.close();
  });

  it("waits for a busy copy to go idle until timeoutMs has passed on the clock", async () => {
    const clock = new ManualClock();
    const router = new Router({ accountId: "123456789012", observer: quietObserver, clock });
    router.setTable(table([{ id: "c-1", origin, instanceId: "i-1" }]));
    const answer = router.invoke(request());
    answer.catch(() => undefined);
    await eventually(async () => (parked.length > 0 ? true : undefined), { what: "the request to reach the copy" });
    const idle = track(router.waitIdle("c-1", 60_000));
    clock.advance(59_999);
    await flush();
    assert.equal(idle.state, "pending", "the drain still waits one millisecond before its timeout");
    clock.advance(1);
    await eventually(async () => (idle.state === "resolved" ? true : undefined), { what: "the drain to give up when its timeout passed" });
    await router.close();
  });
});
