import { Pool } from "undici";
import { relayToCopy } from "./floor-relay.js";
import { uwsPackage } from "./uws-package.js";

/**
 * The Node floor again with uWebSockets.js's server in place of node:http's (undici still the client):
 * what a router on Node would pay here with the fastest server available to it. bench:router runs it only
 * when asked (--targets …,floor-uws), as its package is not one of Berth's (see uws-package.ts).
 * argv: listen port, copy port; serves 127.0.0.1 only.
 */

/** The part of uWebSockets.js's API the relay uses. */
interface UwsResponse {
  onAborted(handler: () => void): UwsResponse;
  onData(handler: (chunk: ArrayBuffer, isLast: boolean) => void): void;
  cork(work: () => void): UwsResponse;
  writeStatus(status: string): UwsResponse;
  writeHeader(name: string, value: string): UwsResponse;
  end(body?: Uint8Array): UwsResponse;
}
interface UwsApp {
  post(pattern: string, handler: (res: UwsResponse, req: { getHeader(name: string): string }) => void): UwsApp;
  listen(host: string, port: number, done: (listening: unknown) => void): UwsApp;
}

const [listenPort, copyPort] = process.argv.slice(2).map(Number);
const uws = ((await import(uwsPackage.name)) as { default: { App(): UwsApp } }).default;
const pool = new Pool(`http://127.0.0.1:${copyPort}`, { connections: 64, pipelining: 1, keepAliveTimeout: 30_000 });

uws
  .App()
  .post("/invocations", (res, req) => {
    const contentType = req.getHeader("content-type") || "application/octet-stream";
    let aborted = false;
    res.onAborted(() => (aborted = true));
    const chunks: Buffer[] = [];
    res.onData((chunk, isLast) => {
      // uWebSockets.js reuses the chunk's memory once the handler returns: copied.
      chunks.push(Buffer.from(chunk.slice(0)));
      if (!isLast) return;
      const body = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks);
      relayToCopy(pool, contentType, body, (status, answerType, answer) => {
        if (!aborted) res.cork(() => res.writeStatus(String(status)).writeHeader("content-type", answerType).end(answer));
      });
    });
  })
  .listen("127.0.0.1", listenPort!, (listening) => {
    if (!listening) {
      console.error(`uWebSockets.js floor: could not listen on 127.0.0.1:${listenPort}`);
      process.exit(1);
    }
  });
process.on("SIGTERM", () => void pool.destroy().finally(() => process.exit(0)));
