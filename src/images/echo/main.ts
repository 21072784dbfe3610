// berth/echo: a fast emulated model for tests and load. Run: node dist/src/images/echo/main.js serve
// Env: SAGEMAKER_BIND_TO_PORT, BERTH_COPY_ID, ECHO_STARTUP_MS, ECHO_LATENCY_MS, ECHO_MEMORY_MB, ECHO_FAIL_PING.
// Per request, CustomAttributes `status=<code>` and `latency_ms=<n>`; X-Berth-Stream: true streams in pieces.
import { requireServeCommand } from "../common/cli.js";
import { serve } from "../common/serve.js";
import { readEchoConfig } from "./config.js";
import { createEchoHandler } from "./handler.js";

requireServeCommand("echo");
const config = readEchoConfig();

// Exported only to stay reachable: an unexported top-level binding that no closure reads can be
// collected once the module has run, and the point is that RSS shows this memory.
export const ballast = config.memoryMb > 0 ? Buffer.alloc(config.memoryMb * 1024 * 1024, 1) : undefined;
if (ballast) console.log(`echo: holding ${config.memoryMb} MB (${ballast.length} bytes touched)`);

let ready = config.startupMs === 0;
if (!ready) {
  setTimeout(() => {
    ready = true;
    console.log(`echo: ready after ${config.startupMs} ms`);
  }, config.startupMs);
}
if (config.failPing) console.log("echo: ECHO_FAIL_PING=true: /ping will answer 503");

serve({
  name: "echo",
  port: config.port,
  isReady: () => ready && !config.failPing,
  invoke: createEchoHandler(config),
});
