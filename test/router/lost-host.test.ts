import assert from "node:assert/strict";
import { createServer, type IncomingMessage } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { RouterMetrics } from "../../src/router/metrics.js";
import { Router } from "../../src/router/router.js";
import type { RouteCopy } from "../../src/router/table.js";
import { copyAbsentHeader } from "../../src/router/upstream.js";
import { eventually } from "../support/wait.js";
import { answerModes, invokeRequest, oneComponentTable } from "../support/routing.js";

// A host cut off silently never answers: once its lease is gone, its requests in flight fail at once.

const table = (copies: RouteCopy[], lostOrigins?: Set<string>) => oneComponentTable(copies, { strategy: "RANDOM", desiredCopies: 1, lostOrigins });

for (const { name, gatherUpTo } of answerModes)
  describe(`a request in flight to a host whose lease is gone, ${name}`, () => {
    it("fails with ModelError as soon as the table drops the host, not at the invocation timeout, and is not sent again", async () => {
      const received: IncomingMessage[] = [];
      // Takes the request and never answers, as a host behind a silent drop would.
      const silent = createServer((req) => received.push(req));
      await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
      const origin = `http://127.0.0.1:${(silent.address() as AddressInfo).port}`;
      const router = new Router({ accountId: "123456789012", observer: new RouterMetrics({ defaultMetrics: false }), hold: { holdMs: 60_000, maxHeld: 10 } });
      try {
        router.setTable(table([{ id: "copy-lost", origin, instanceId: "i-lost" }]));
        const request = router.invoke(invokeRequest({ headers: { "content-type": "application/json" }, gatherUpTo }));
        const outcome = request.then(
          () => "answered",
          (error: Error & { code?: string }) => `${error.code}: ${error.message}`,
        );
        await eventually(async () => (received.length === 1 ? true : undefined), { what: "the request to reach the silent host" });
        router.setTable(table([], new Set([origin])));
        assert.match(await outcome, /^ModelError: .*could not be reached.*lost its lease/);
        assert.equal(received.length, 1, "the request is not sent again");
      } finally {
        await router.close();
        silent.closeAllConnections();
        await new Promise((resolve) => silent.close(resolve));
      }
    });

    it("goes on at once to a copy that arrived in the table while it was trying the copies of an older table", async () => {
      const router = new Router({ accountId: "123456789012", observer: new RouterMetrics({ defaultMetrics: false }), hold: { holdMs: 2_000, maxHeld: 10 } });
      const replacement = createServer((req, res) => req.resume().on("end", () => res.end("served by the replacement")));
      await new Promise<void>((resolve) => replacement.listen(0, "127.0.0.1", resolve));
      const replacementCopy = { id: "copy-new", origin: `http://127.0.0.1:${(replacement.address() as AddressInfo).port}`, instanceId: "i-new" };
      // The old host's agent answers that it no longer runs the copy; meanwhile the table gains the replacement.
      const oldHost = createServer((req, res) => {
        router.setTable(table([replacementCopy]));
        req.resume().on("end", () => res.writeHead(503, { [copyAbsentHeader]: "copy-old" }).end());
      });
      await new Promise<void>((resolve) => oldHost.listen(0, "127.0.0.1", resolve));
      try {
        router.setTable(table([{ id: "copy-old", origin: `http://127.0.0.1:${(oldHost.address() as AddressInfo).port}`, instanceId: "i-old" }]));
        const result = await router.invoke(invokeRequest({ headers: { "content-type": "application/json" }, gatherUpTo }));
        const chunks: Buffer[] = [];
        for await (const chunk of result.body) chunks.push(chunk as Buffer);
        result.finish("ok");
        assert.equal(Buffer.concat(chunks).toString(), "served by the replacement");
      } finally {
        await router.close();
        for (const server of [oldHost, replacement]) {
          server.closeAllConnections();
          await new Promise((resolve) => server.close(resolve));
        }
      }
    });
  });
