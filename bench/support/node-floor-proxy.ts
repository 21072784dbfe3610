import { createServer } from "node:http";
import { Pool, type Dispatcher } from "undici";

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
    const answer: Buffer[] = [];
    let status = 502;
    let contentType = "application/octet-stream";
    const handler: Dispatcher.DispatchHandler = {
      onRequestStart() {},
      onResponseStart(_controller, statusCode, headers) {
        status = statusCode;
        contentType = String(headers["content-type"] ?? contentType);
      },
      onResponseData(_controller, chunk) {
        answer.push(chunk);
      },
      onResponseEnd() {
        const out = answer.length === 1 ? answer[0]! : Buffer.concat(answer);
        res.writeHead(status, { "content-type": contentType, "content-length": out.length });
        res.end(out);
      },
      onResponseError() {
        res.writeHead(502, { "content-length": 0 });
        res.end();
      },
    };
    pool.dispatch(
      { path: "/invocations", method: "POST", headers: { "content-type": req.headers["content-type"] ?? "application/octet-stream" }, body },
      handler,
    );
  });
});
server.listen(listenPort, "127.0.0.1");
process.on("SIGTERM", () => {
  server.close();
  void pool.destroy().finally(() => process.exit(0));
});
