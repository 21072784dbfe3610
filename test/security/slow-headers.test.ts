import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { rawConnection } from "../support/http.js";
import { eventually } from "../support/wait.js";

describe("connections that are slow to send their headers", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { headersTimeoutSeconds: 1 } });
  });
  after(async () => {
    await berth.stop();
  });

  async function heldOpen(partial: string): Promise<string> {
    const connection = rawConnection(berth.url, partial);
    try {
      // Node's defaults held such a connection for 60 s to 90 s; headersTimeoutSeconds closes it.
      await eventually(async () => (connection.closed() ? true : undefined), { timeoutMs: 30_000, what: "the server to close the connection" });
    } finally {
      connection.socket.destroy();
    }
    return connection.answer();
  }

  it("closes a connection that sends only part of its headers, with 408", async () => {
    const url = new URL(berth.url);
    const answer = await heldOpen(`POST / HTTP/1.1\r\nHost: ${url.host}\r\nX-Amz-Tar`);
    assert.match(answer, /^HTTP\/1\.1 408 /);
  });

  it("closes a connection that sends nothing", async () => {
    await heldOpen("");
  });
});
