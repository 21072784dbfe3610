import { createConnection } from "node:net";
import { freePort } from "../../src/agent/ports.js";

export { freePort };

/** Resolves once something accepts TCP connections on 127.0.0.1:port; gives up after timeoutMs. */
export async function waitForPort(port: number, options: { timeoutMs: number; what: string; gaveUp?: () => string | undefined }): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  for (;;) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: "127.0.0.1", port });
      socket.once("connect", () => {
        socket.destroy();
        resolve(true);
      });
      socket.once("error", () => resolve(false));
    });
    if (open) return;
    const reason = options.gaveUp?.();
    if (reason) throw new Error(`${options.what} did not start: ${reason}`);
    if (Date.now() > deadline) throw new Error(`${options.what} did not accept connections on 127.0.0.1:${port} within ${options.timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** Polls until check returns a value, or fails naming what it waited for. */
export async function pollUntil<T>(check: () => Promise<T | undefined>, options: { timeoutMs: number; what: string }): Promise<T> {
  const deadline = Date.now() + options.timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline)
      throw new Error(`timed out after ${options.timeoutMs} ms waiting for ${options.what}${last ? ` (${(last as Error).message})` : ""}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
