import { createServer } from "node:http";
import { isLoopback } from "../config/auth.js";
import type { Command } from "commander";
import { berthRequest } from "./berth-request.js";
import { withServerFlags, type ServerFlags } from "./clients.js";
import { CliError, exitCodes, failureText, runCommand } from "./failures.js";

interface ProxyFlags extends ServerFlags {
  listen: string;
  insecureListenBeyondLoopback?: boolean;
}

/** Prometheus does not sign scrapes: this serves GET /metrics unsigned on a local port and fetches each scrape signed. */
export function registerMetricsProxyCommand(program: Command): void {
  withServerFlags(
    program
      .command("metrics-proxy")
      .description("serve the server's /metrics unsigned on a local address for Prometheus, signing each scrape with the CLI's key (needs berth:GetMetrics)"),
  )
    .option("--listen <host:port>", "where Prometheus scrapes", "127.0.0.1:9464")
    .option(
      "--insecure-listen-beyond-loopback",
      "allow a --listen address other hosts can reach: anyone who reaches it reads the metrics without a key, which Berth's own /metrics refuses",
    )
    .action(
      runCommand(
        (flags: ProxyFlags) => flags.url,
        async (flags: ProxyFlags) => {
          const match = /^(.+):(\d+)$/.exec(flags.listen);
          if (!match) throw new CliError(`--listen must be host:port, e.g. 127.0.0.1:9464, found '${flags.listen}'`, exitCodes.badInput);
          const host = match[1]!.replace(/^\[|\]$/g, "");
          if (!isLoopback(host) && !flags.insecureListenBeyondLoopback)
            throw new CliError(
              `--listen ${flags.listen} can be reached from other hosts, and the proxy answers without a key. ` +
                `Run it beside Prometheus on a loopback address (127.0.0.1:9464), or pass --insecure-listen-beyond-loopback to accept that anyone who reaches it reads the metrics.`,
              exitCodes.badInput,
            );
          const server = createServer((req, res) => {
            if (req.method !== "GET" || new URL(req.url ?? "/", "http://localhost").pathname !== "/metrics") {
              res.writeHead(404, { "content-type": "text/plain" }).end("only GET /metrics is served here\n");
              return;
            }
            berthRequest(flags, "/metrics")
              .then(async (answer) => {
                const body = await answer.text();
                res.writeHead(200, { "content-type": answer.headers.get("content-type") ?? "text/plain" }).end(body);
              })
              .catch((error: unknown) => {
                res.writeHead(502, { "content-type": "text/plain" }).end(`${failureText(error, flags.url) ?? (error as Error).message}\n`);
              });
          });
          await new Promise<void>((resolve, reject) => {
            server.once("error", (error) => reject(new CliError(`cannot listen on ${flags.listen}: ${error.message}`)));
            server.listen(Number(match[2]), host, () => resolve());
          });
          const address = server.address();
          const port = typeof address === "object" && address ? address.port : Number(match[2]);
          process.stdout.write(`serving ${flags.url}/metrics unsigned at http://${match[1]}:${port}/metrics (Ctrl-C to stop)\n`);
          await new Promise<void>((resolve) => {
            for (const signal of ["SIGINT", "SIGTERM"] as const)
              process.once(signal, () => {
                server.close(() => resolve());
                server.closeAllConnections();
              });
          });
        },
      ),
    );
}
