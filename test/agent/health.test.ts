import assert from "node:assert/strict";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { after, describe, it } from "node:test";
import { ping } from "../../src/agent/health.js";
import { chunkedBody, lengthBody } from "../../src/agent/ping-body.js";

const servers: Server[] = [];
after(() => {
  for (const server of servers) server.closeAllConnections();
  return Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
});

/** A copy's HTTP server on a free port; `connections` counts the TCP connections it accepted. */
async function copyServer(handle: (req: IncomingMessage, res: ServerResponse) => void) {
  const server = createServer(handle);
  servers.push(server);
  let connections = 0;
  const closed: Promise<void>[] = [];
  server.on("connection", (socket) => {
    connections++;
    closed.push(new Promise((resolve) => socket.once("close", () => resolve())));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { port: (server.address() as AddressInfo).port, server, connections: () => connections, lastClosed: () => closed.at(-1) };
}

describe("liveness pings", () => {
  it("takes a 200 as healthy, on one kept-alive connection for ping after ping", async () => {
    const copy = await copyServer((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"status":"Healthy"}'));
    for (let i = 0; i < 5; i++) assert.deepEqual(await ping(copy.port), { ok: true, detail: "GET /ping answered 200" });
    assert.equal(copy.connections(), 1);
  });

  it("takes any other status as unhealthy, and says which", async () => {
    const copy = await copyServer((_req, res) => res.writeHead(503).end("loading"));
    assert.deepEqual(await ping(copy.port), { ok: false, detail: "GET /ping answered 503" });
    assert.deepEqual(await ping(copy.port), { ok: false, detail: "GET /ping answered 503" });
  });

  it("detects a copy that stops answering after it was healthy", async () => {
    let hung = false;
    const copy = await copyServer((_req, res) => {
      if (!hung) res.writeHead(200).end();
    });
    assert.equal((await ping(copy.port, 200)).ok, true);
    hung = true;
    assert.deepEqual(await ping(copy.port, 200), { ok: false, detail: "GET /ping did not answer within 200 ms" });
    hung = false;
    assert.equal((await ping(copy.port, 200)).ok, true, "a copy answering again is healthy again, on a new connection");
  });

  it("reports a copy that is not listening", async () => {
    const copy = await copyServer(() => undefined);
    await new Promise((resolve) => copy.server.close(resolve));
    assert.deepEqual(await ping(copy.port), { ok: false, detail: "GET /ping failed: ECONNREFUSED" });
  });

  it("tries again on a new connection when the copy closed the idle one", async () => {
    const copy = await copyServer((_req, res) => res.writeHead(200).end());
    copy.server.keepAliveTimeout = 1;
    for (let i = 0; i < 3; i++) {
      assert.deepEqual(await ping(copy.port), { ok: true, detail: "GET /ping answered 200" });
      // The copy closes the connection a millisecond after its answer; the next ping finds it closed.
      await copy.lastClosed();
    }
  });

  it("reads chunked answers, answers that close the connection, and bodies in several writes", async () => {
    let kind = 0;
    const copy = await copyServer((_req, res) => {
      kind++;
      if (kind === 1) {
        res.writeHead(200);
        res.write("Heal");
        res.end("thy");
      } else if (kind === 2) {
        res.writeHead(200, { connection: "close" }).end("ok");
      } else {
        res.writeHead(200, { "content-length": 6 });
        // The rest goes once the first part has left for the socket: two writes, not one.
        res.write("Hea", () => res.end("lth"));
      }
    });
    for (let i = 0; i < 5; i++) assert.deepEqual(await ping(copy.port), { ok: true, detail: "GET /ping answered 200" });
  });
});

describe("the end of a ping's answer", () => {
  const bytes = (text: string) => Buffer.from(text, "latin1");

  it("follows chunks split anywhere, with extensions and trailers, and stops where the next answer starts", () => {
    const body = chunkedBody();
    assert.equal(body.feed(bytes("4;name=val")), "more");
    assert.equal(body.feed(bytes("ue\r\nHeal\r\n3\r")), "more");
    assert.equal(body.feed(bytes("\nthy\r\n0\r\nX-Trailer: 1\r\n")), "more");
    const rest = "\r\nHTTP/1.1 200 OK\r\n";
    assert.equal(body.feed(bytes(rest)), 2);
  });

  it("gives up on framing it cannot follow", () => {
    assert.equal(chunkedBody().feed(bytes("zz\r\n")), "bad");
  });

  it("counts a sized body across writes", () => {
    const body = lengthBody(6);
    assert.equal(body.feed(bytes("Hea")), "more");
    assert.equal(body.feed(bytes("lthHTTP")), 3);
    assert.equal(lengthBody(0).feed(Buffer.alloc(0)), 0);
  });
});
