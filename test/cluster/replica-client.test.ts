import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { describe, it } from "node:test";
import { ReplicaClient, ReplicasUnreachable } from "../../src/agent/remote/replica-client.js";
import { silentLogger } from "../../src/util/logger.js";

// An agent's renewal must end by its lease's deadline however many servers it tries: a cut-off host stops its copies on time.

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe("the agent's replica client", () => {
  it("does not try the next server once the whole call's time is spent", async () => {
    const held: IncomingMessage[] = [];
    const silent = createServer((req) => held.push(req));
    let asked = 0;
    const answering = createServer((_req, res) => {
      asked++;
      res.end("{}");
    });
    try {
      const answeringUrl = await listen(answering);
      const client = new ReplicaClient([await listen(silent), answeringUrl], silentLogger());
      const call = client.call("POST", "/berth/v1/agents/a/renew", { bearer: "k", body: {}, timeoutMs: 60_000, totalTimeoutMs: 200 });
      await assert.rejects(call, (error: Error) => error instanceof ReplicasUnreachable && /not tried, no time left/.test(error.message));
      assert.equal(asked, 0, "the second server was not asked after the deadline");
      // Without a total limit the next server is tried as before.
      const again = await new ReplicaClient([answeringUrl], silentLogger()).call("POST", "/x", { bearer: "k", timeoutMs: 1_000 });
      assert.equal(again.status, 200);
    } finally {
      for (const server of [silent, answering]) {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      }
    }
  });
});
