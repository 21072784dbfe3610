import { createServer } from "node:http";
import { Pool } from "undici";
import { relayToCopy } from "./floor-relay.js";

/**
 * The floor any Node router pays on this machine: node:http's server and undici's client, the parts Berth's
 * router is built on, relaying a POST to one copy with nothing else — no authentication, no routing table,
 * no metrics, no limits. bench:router runs it as its own process (argv: listen port, copy port) on the
 * proxy's core, beside nginx and Berth, so the router's CPU per request can be read against it. Not a
 * router: it never answers anything but the copy's answer, and serves 127.0.0.1 only.
 */
const [listenPort, copyPort] = process.argv.slice(2).map(Number);
const pool = new Pool(`http://127.0.0.1:${copyPort}`, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });

const server = createServer({ keepAliveTimeout: 65_000 }, (req, res) => {
  const chunks: Buffer[] = [];
  req.on("data", (chunk: Buffer) => chunks.push(chunk));
  req.on("end", () => {
    const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
    relayToCopy(pool, req.headers["content-type"] ?? "application/octet-stream", body, (status, contentType, answer) => {
      res.writeHead(status, answer ? { "content-type": contentType, "content-length": answer.length } : { "content-length": 0 });
      res.end(answer);
    });
  });
});
server.listen(listenPort, "127.0.0.1");
process.on("SIGTERM", () => {
  server.close();
  void pool.destroy().finally(() => process.exit(0));
});
