import ipaddr from "ipaddr.js";
import type { ArtifactUrlPolicy } from "./settings.js";

type Address = ipaddr.IPv4 | ipaddr.IPv6;

/** Ranges that allowPrivateNetworks opens, by ipaddr.js range name. */
const privateRanges: Record<string, string> = {
  loopback: "loopback",
  private: "private (RFC 1918)",
  uniqueLocal: "unique-local (IPv6 private)",
  carrierGradeNat: "carrier-grade NAT",
};

export function isIpLiteral(host: string): boolean {
  return ipaddr.IPv4.isValidFourPartDecimal(host) || ipaddr.IPv6.isValid(host);
}

/** An IPv4-mapped IPv6 address (::ffff:a.b.c.d) is judged as the IPv4 address it reaches. */
function parse(address: string): Address | undefined {
  if (!ipaddr.isValid(address)) return undefined;
  const ip = ipaddr.parse(address);
  return ip.kind() === "ipv6" && (ip as ipaddr.IPv6).isIPv4MappedAddress() ? (ip as ipaddr.IPv6).toIPv4Address() : ip;
}

function addressEntries(policy: ArtifactUrlPolicy): [Address, number][] {
  const entries: [Address, number][] = [];
  for (const entry of policy.allowedHosts) {
    if (ipaddr.isValidCIDR(entry)) entries.push(ipaddr.parseCIDR(entry));
    else if (isIpLiteral(entry)) {
      const ip = parse(entry)!;
      entries.push([ip, ip.kind() === "ipv4" ? 32 : 128]);
    }
  }
  return entries;
}

/** True when the allow-list names this IP address itself or a network holding it. */
export function addressListed(address: string, policy: ArtifactUrlPolicy): boolean {
  const ip = parse(address);
  if (!ip) return false;
  return addressEntries(policy).some(([network, bits]) => network.kind() === ip.kind() && ip.match(network, bits));
}

/**
 * Undefined when Berth may connect to this address, else the kind of address it is. Only public unicast
 * addresses are open by default; allowPrivateNetworks opens loopback and private ranges; anything else
 * (link-local and its cloud metadata service, unspecified, multicast, reserved) only by an explicit entry.
 */
export function addressRefusal(address: string, policy: ArtifactUrlPolicy): string | undefined {
  const ip = parse(address);
  if (!ip) return "unparseable";
  if (addressListed(address, policy)) return undefined;
  const range = ip.range();
  if (range === "unicast") return undefined;
  const privateLabel = privateRanges[range];
  if (privateLabel) return policy.allowPrivateNetworks ? undefined : privateLabel;
  return range === "linkLocal" ? "link-local" : "unspecified, multicast or reserved";
}
