import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";

export interface ServeOptions {
  /** Prefix of every log line, e.g. "echo". */
  name: string;
  port: number;
  /** /ping answers 200 while this returns true, 503 otherwise. */
  isReady(): boolean;
  /** POST /invocations; the handler owns the response. */
  invoke(req: IncomingMessage, res: ServerResponse): void;
  /** How long SIGTERM waits for in-flight requests before closing their sockets. */
  drainMs?: number;
}

const EMPTY = Buffer.alloc(0);

/**
 * The container side of the SageMaker contract: GET /ping, POST /invocations on 127.0.0.1:<port>,
 * and on SIGTERM stop accepting, let in-flight requests finish (up to drainMs), then exit 0.
 */
export function serve(options: ServeOptions): Server {
  const { name, port, drainMs = 10_000 } = options;
  let inFlight = 0;
  let draining = false;

  const server = createServer((req, res) => {
    const path = req.url === undefined ? "" : req.url.split("?", 1)[0];
    if (path === "/ping") {
      if (req.method !== "GET" && req.method !== "HEAD") return plain(res, 405, "use GET /ping\n");
      res.writeHead(options.isReady() ? 200 : 503, { "Content-Length": 0 });
      res.end(EMPTY);
      return;
    }
    if (path !== "/invocations") return plain(res, 404, `no route ${req.method} ${path}; this server answers GET /ping and POST /invocations\n`);
    if (req.method !== "POST") return plain(res, 405, "use POST /invocations\n");
    inFlight++;
    res.once("close", () => {
      inFlight--;
      // A keep-alive socket that just finished its last request would otherwise hold the drain open.
      if (draining) server.closeIdleConnections();
    });
    options.invoke(req, res);
  });
  // Longer than the router's idle timeout, so the router, not us, closes pooled connections.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  const stop = (signal: string) => {
    if (draining) return;
    draining = true;
    console.log(`${name}: ${signal}: draining ${inFlight} in-flight request(s)`);
    const deadline = setTimeout(() => {
      console.log(`${name}: drain deadline of ${drainMs} ms passed with ${inFlight} request(s) open; closing them`);
      server.closeAllConnections();
    }, drainMs);
    deadline.unref();
    server.close(() => {
      console.log(`${name}: stopped`);
      process.exit(0);
    });
    server.closeIdleConnections();
  };
  process.once("SIGTERM", () => stop("SIGTERM"));
  process.once("SIGINT", () => stop("SIGINT"));
  // Berth's agent holds our stdin open; if the agent dies (even by SIGKILL) the pipe closes and we go too.
  if (process.env.BERTH_EXIT_ON_STDIN_CLOSE === "1") {
    process.stdin.on("end", () => stop("parent exit"));
    process.stdin.on("error", () => stop("parent exit"));
    process.stdin.resume();
  }

  server.on("error", (err) => {
    console.error(`${name}: server error: ${err.message}`);
    process.exit(1);
  });
  server.listen(port, "127.0.0.1", () => console.log(`${name}: listening on 127.0.0.1:${port}`));
  return server;
}

function plain(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
