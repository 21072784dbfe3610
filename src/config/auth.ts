import { existsSync } from "node:fs";
import { resolve } from "node:path";
import ipaddr from "ipaddr.js";
import { ConfigError, parseDuration } from "./errors.js";

export interface AuthConfig {
  /** SigV4 on every request but /healthz; false only with --insecure-no-auth, on a loopback host. */
  enabled: boolean;
  /** Host header names accepted beside localhost, 127.0.0.1, ::1 and the bound host ("*": any). */
  allowedHosts: string[];
  /** How far a signed request's X-Amz-Date may be from the server's clock (AWS: 300). */
  clockSkewSeconds: number;
}

export interface TlsConfig {
  /** PEM certificate (chain) and private key files; both set means the port serves https. */
  cert?: string;
  key?: string;
}

export function checkAuth(raw: Record<string, unknown>, host: string): AuthConfig {
  if (typeof raw.enabled !== "boolean") throw new ConfigError(`auth.enabled must be true or false, got '${raw.enabled}'.`);
  const allowedHosts = raw.allowedHosts;
  if (!Array.isArray(allowedHosts) || allowedHosts.some((h) => typeof h !== "string" || h === ""))
    throw new ConfigError(`auth.allowedHosts must be a list of host names, e.g. [berth.internal].`);
  const clockSkewSeconds = parseDuration(raw.clockSkewSeconds, "auth.clockSkewSeconds");
  if (clockSkewSeconds > 3600) throw new ConfigError(`auth.clockSkewSeconds must be at most 3600 (AWS allows 300), got '${raw.clockSkewSeconds}'.`);
  if (!raw.enabled && !isLoopback(host)) {
    throw new ConfigError(
      `refusing to listen on ${host} without authentication: anyone who can reach that address could create endpoints and run model servers on this machine. ` +
        `Drop --insecure-no-auth (auth.enabled: false) and give clients a key from 'berth keys create', or listen on 127.0.0.1.`,
    );
  }
  return { enabled: raw.enabled, allowedHosts: allowedHosts as string[], clockSkewSeconds };
}

export function checkTls(raw: Record<string, unknown>): TlsConfig {
  const cert = raw.cert === undefined || raw.cert === null || raw.cert === "" ? undefined : String(raw.cert);
  const key = raw.key === undefined || raw.key === null || raw.key === "" ? undefined : String(raw.key);
  if ((cert === undefined) !== (key === undefined))
    throw new ConfigError("tls.cert and tls.key (--tls-cert, --tls-key) must be given together: the certificate and its private key, as PEM files.");
  for (const [name, file] of [
    ["tls.cert", cert],
    ["tls.key", key],
  ] as const) {
    if (file !== undefined && !existsSync(file)) throw new ConfigError(`${name} file ${file} does not exist. Give the path of a PEM file.`);
  }
  return cert && key ? { cert: resolve(cert), key: resolve(key) } : {};
}

/** Loopback addresses and the name localhost: only this machine can reach them. */
export function isLoopback(host: string): boolean {
  if (host === "localhost") return true;
  return ipaddr.isValid(host) && ipaddr.process(host).range() === "loopback";
}
