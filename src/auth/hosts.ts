import { hostname, networkInterfaces } from "node:os";

/**
 * The names a request's Host header may carry (DNS-rebinding defence: a page on evil.example that
 * resolves to 127.0.0.1 still sends Host: evil.example). Loopback names, the bound address, and the
 * configured extra names; a wildcard bind adds this machine's addresses and host name.
 */
export class AllowedHosts {
  readonly names: string[];
  readonly #set: Set<string>;
  readonly #any: boolean;

  constructor(boundHost: string, extra: string[]) {
    const names = ["localhost", "127.0.0.1", "::1", boundHost.toLowerCase()];
    if (boundHost === "0.0.0.0" || boundHost === "::") {
      names.push(hostname().toLowerCase());
      for (const addresses of Object.values(networkInterfaces())) for (const address of addresses ?? []) names.push(address.address.toLowerCase());
    }
    names.push(...extra.map((name) => name.toLowerCase()));
    this.#set = new Set(names);
    this.names = [...this.#set];
    this.#any = this.#set.has("*");
  }

  allows(hostHeader: string | undefined): boolean {
    if (this.#any) return true;
    if (!hostHeader) return false;
    return this.#set.has(nameOf(hostHeader).toLowerCase());
  }
}

/** "[::1]:8080" → "::1", "localhost:8080" → "localhost". */
function nameOf(host: string): string {
  if (host.startsWith("[")) {
    const end = host.indexOf("]");
    return end < 0 ? host : host.slice(1, end);
  }
  const colon = host.indexOf(":");
  return colon < 0 || host.indexOf(":", colon + 1) >= 0 ? host : host.slice(0, colon);
}
