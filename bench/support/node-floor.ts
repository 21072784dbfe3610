import { fileURLToPath } from "node:url";
import { spawnNode } from "./cpu.js";
import { freePort, waitForPort } from "./net.js";
import { onCleanup, stopChild } from "./processes.js";

const scripts = {
  node: fileURLToPath(new URL("./node-floor-proxy.js", import.meta.url)),
  uws: fileURLToPath(new URL("./uws-floor-proxy.js", import.meta.url)),
};

export interface NodeFloor {
  port: number;
  pid: number;
  stop(): Promise<void>;
}

/**
 * Starts a Node-floor proxy in front of the copy at copyPort, pinned to `cpus` where given: node:http's server
 * (node-floor-proxy.ts) or uWebSockets.js's (uws-floor-proxy.ts), undici's client in both.
 */
export async function startNodeFloor(copyPort: number, options: { cpus?: string; server?: "node" | "uws" } = {}): Promise<NodeFloor> {
  const port = await freePort();
  const args = [scripts[options.server ?? "node"], String(port), String(copyPort)];
  const child = spawnNode(args, { cpus: options.cpus, stdio: ["ignore", "inherit", "inherit"] });
  const forget = onCleanup(() => stopChild(child, "SIGTERM", 2_000));
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `it exited with ${signal ?? code}`));
  await waitForPort(port, { timeoutMs: 10_000, what: "the Node-floor proxy", gaveUp: () => exited });
  return {
    port,
    pid: child.pid!,
    stop: async () => {
      forget();
      await stopChild(child, "SIGTERM", 2_000);
    },
  };
}
