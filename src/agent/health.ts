import { Agent, request } from "node:http";

// Each copy is pinged every few seconds for as long as it runs: a kept-alive connection per copy saves
// a TCP connect each time, the largest part of an idle server's CPU with hundreds of copies.
const keepAlive = new Agent({ keepAlive: true, maxSockets: 1 });

/** GET /ping as SageMaker does it: 200 means ready; anything else, or no answer within the timeout, means not. */
export function ping(port: number, timeoutMs = 2_000): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path: "/ping", method: "GET", timeout: timeoutMs, agent: keepAlive }, (res) => {
      res.resume();
      resolve({ ok: res.statusCode === 200, detail: `GET /ping answered ${res.statusCode}` });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, detail: `GET /ping did not answer within ${timeoutMs} ms` });
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, detail: `GET /ping failed: ${error.code ?? error.message}` }));
    req.end();
  });
}
