import { spawn, spawnSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { freePort, waitForPort } from "./net.js";
import { onCleanup, stopChild } from "./processes.js";

export interface Nginx {
  port: number;
  /** The master; its worker is its child. */
  pid: number;
  version: string;
  stop(): Promise<void>;
}

const candidates = ["/usr/sbin/nginx", "/usr/local/sbin/nginx", "/usr/local/nginx/sbin/nginx", "/opt/homebrew/bin/nginx", "/usr/local/bin/nginx"];

/** Where findNginx looked, for the message when it found nothing. */
export const nginxSearch = `$BERTH_BENCH_NGINX, PATH, ${candidates.join(", ")}`;

/** Said, and the benchmark fails, when its baseline is missing: it installs nothing itself. */
export const nginxMissing =
  `nginx, the baseline the router is measured against, is not installed (looked at ${nginxSearch}). ` +
  "Install it with `sudo apt-get install nginx-light` (Debian, Ubuntu; any nginx will do), or point BERTH_BENCH_NGINX at an nginx binary, then run the benchmark again. " +
  "Without it the throughput target cannot be measured, so the benchmark fails rather than pass.";

/**
 * The nginx binary: $BERTH_BENCH_NGINX if set (empty: none), else nginx on PATH or in the usual places;
 * undefined when nginx is not installed.
 */
export function findNginx(): string | undefined {
  const chosen = process.env.BERTH_BENCH_NGINX;
  if (chosen !== undefined) return chosen === "" || !existsSync(chosen) ? undefined : chosen;
  const onPath = spawnSync("sh", ["-c", "command -v nginx"], { encoding: "utf8" });
  if (onPath.status === 0 && onPath.stdout.trim() !== "") return onPath.stdout.trim();
  return candidates.find((path) => existsSync(path));
}

/**
 * A reverse proxy with the same job as the router and no more: one worker (Berth is one Node process),
 * keep-alive on both sides, no access log (Berth logs nothing per request at warn level).
 */
export function nginxConfig(options: { dir: string; port: number; upstreamPort: number }): string {
  const { dir } = options;
  return `daemon off;
master_process on;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  keepalive_timeout 65s;
  keepalive_requests 1000000;
  upstream copy {
    server 127.0.0.1:${options.upstreamPort};
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen 127.0.0.1:${options.port};
    location / {
      proxy_pass http://copy;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** Starts nginx in the foreground with a generated config in a temp dir, proxying to 127.0.0.1:upstreamPort. */
export async function startNginx(binary: string, upstreamPort: number, options: { cpus?: string } = {}): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), "berth-bench-nginx-"));
  // Workers drop root to `nobody`, who must reach the temp paths below.
  chmodSync(dir, 0o755);
  const removeDir = onCleanup(() => rmSync(dir, { recursive: true, force: true }));
  const port = await freePort();
  const config = join(dir, "nginx.conf");
  writeFileSync(config, nginxConfig({ dir, port, upstreamPort }));
  const version = (spawnSync(binary, ["-v"], { encoding: "utf8" }).stderr ?? "").trim().replace(/^nginx version: /, "");
  // -e: the error log before the config is read; -p: a prefix of our own, so nothing in /etc or /var is used.
  const args = ["-p", dir, "-e", join(dir, "startup.log"), "-c", config];
  // taskset execs nginx, so the pid stays the master's; its worker inherits the CPUs.
  const child = options.cpus
    ? spawn("taskset", ["-c", options.cpus, binary, ...args], { stdio: ["ignore", "pipe", "pipe"] })
    : spawn(binary, args, { stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4000)));
  child.stderr!.on("data", (chunk: Buffer) => (output = (output + chunk.toString("utf8")).slice(-4000)));
  // SIGQUIT is nginx's graceful stop.
  const forget = onCleanup(() => stopChild(child, "SIGQUIT", 5_000));
  await waitForPort(port, {
    timeoutMs: 10_000,
    what: "nginx",
    gaveUp: () => (child.exitCode !== null ? `exited with ${child.exitCode}: ${output}` : undefined),
  });
  return {
    port,
    pid: child.pid!,
    version,
    stop: async () => {
      forget();
      await stopChild(child, "SIGQUIT", 5_000);
      removeDir();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
