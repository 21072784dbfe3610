import { request } from "node:http";

/**
 * POSTs one of an engine's sleep or wake paths (ImageCommand.sleepPath, wakePath) on its port: a 2xx
 * answer within the timeout means done; anything else says what happened instead.
 */
export function callEngine(port: number, path: string, timeoutMs: number): Promise<{ ok: boolean; detail: string }> {
  return new Promise((resolve) => {
    const req = request({ host: "127.0.0.1", port, path, method: "POST", timeout: timeoutMs, headers: { "content-length": 0 } }, (res) => {
      res.resume();
      const ok = res.statusCode !== undefined && res.statusCode >= 200 && res.statusCode < 300;
      resolve({ ok, detail: `POST ${path} answered ${res.statusCode}` });
    });
    req.on("timeout", () => {
      req.destroy();
      resolve({ ok: false, detail: `POST ${path} did not answer within ${timeoutMs} ms` });
    });
    req.on("error", (error: NodeJS.ErrnoException) => resolve({ ok: false, detail: `POST ${path} failed: ${error.code ?? error.message}` }));
    req.end();
  });
}
