import { posix } from "node:path";
import { artifactProblems } from "../domain/errors/artifacts.js";
import { addressListed, addressRefusal, isIpLiteral } from "./address-policy.js";
import type { ArtifactUrlPolicy } from "./settings.js";

export type ArtifactLocation = { kind: "local"; path: string } | { kind: "remote"; url: URL };

export type PolicyVerdict = { ok: true; location: ArtifactLocation } | { ok: false; problem: string };

/**
 * Decides, without touching the disk or the network, whether an artifact URL may be used: local paths
 * only under artifacts.localRoots, http(s) only from artifacts.allowedHosts, literal IP hosts only in an
 * allowed address class. The agent adds what needs I/O: realpath of local paths, the resolved address.
 */
export function checkArtifactUrl(url: string, policy: ArtifactUrlPolicy): PolicyVerdict {
  if (url.startsWith("/")) return checkLocal(url, url, policy);
  if (/^file:/i.test(url)) {
    const parsed = parseUrl(url);
    if (!parsed) return refuse(artifactProblems.malformed(url));
    if (parsed.hostname !== "" && parsed.hostname !== "localhost") return refuse(artifactProblems.fileHost(url, parsed.hostname));
    if (/%2f|%00/i.test(parsed.pathname)) return refuse(artifactProblems.badPathCharacters(url));
    let path: string;
    try {
      path = decodeURIComponent(parsed.pathname);
    } catch {
      return refuse(artifactProblems.malformed(url));
    }
    return checkLocal(url, path, policy);
  }
  if (!/^[a-z][a-z0-9+.-]*:/i.test(url)) return refuse(artifactProblems.relativePath(url, policy));
  if (/^s3:/i.test(url)) return refuse(artifactProblems.s3(url, policy));
  if (!/^https?:/i.test(url)) return refuse(artifactProblems.unsupportedScheme(url, policy));
  const parsed = parseUrl(url);
  if (!parsed) return refuse(artifactProblems.malformed(url));
  return checkRemote(parsed, policy, url);
}

/** The checks a remote URL (or a redirect's target) must pass before any connection is made. */
export function checkRemote(target: URL, policy: ArtifactUrlPolicy, original = target.href): PolicyVerdict {
  if (target.protocol !== "http:" && target.protocol !== "https:") return refuse(artifactProblems.unsupportedScheme(target.href, policy));
  if (target.username !== "" || target.password !== "") return refuse(artifactProblems.credentials(original));
  const host = hostOf(target);
  if (!hostAllowed(host, policy)) return refuse(artifactProblems.hostNotAllowed(original, host, policy.allowedHosts));
  if (isIpLiteral(host)) {
    const refusal = addressRefusal(host, policy);
    if (refusal) return refuse(artifactProblems.addressNotAllowed(original, host, host, refusal, policy.allowPrivateNetworks));
  }
  return { ok: true, location: { kind: "remote", url: target } };
}

/** A URL's host without IPv6 brackets. */
export function hostOf(url: URL): string {
  return url.hostname.startsWith("[") ? url.hostname.slice(1, -1) : url.hostname;
}

function hostAllowed(host: string, policy: ArtifactUrlPolicy): boolean {
  if (isIpLiteral(host) && addressListed(host, policy)) return true;
  return policy.allowedHosts.some((raw) => {
    const entry = raw.toLowerCase();
    if (entry === "*") return true;
    if (entry.startsWith("*.")) return host.endsWith(entry.slice(1)) && !isIpLiteral(host);
    return entry === host;
  });
}

function checkLocal(url: string, path: string, policy: ArtifactUrlPolicy): PolicyVerdict {
  if (path.includes("\0")) return refuse(artifactProblems.badPathCharacters(url));
  if (path.split("/").some((segment) => segment === "." || segment === "..")) return refuse(artifactProblems.dotSegments(url));
  const normal = posix.normalize(path);
  if (!policy.localRoots.some((root) => isUnder(normal, root))) return refuse(artifactProblems.outsideRoots(url, normal, policy.localRoots));
  return { ok: true, location: { kind: "local", path: normal } };
}

/** Whether path is root itself or inside it, comparing whole segments. */
export function isUnder(path: string, root: string): boolean {
  const base = posix.normalize(root).replace(/(.)\/+$/, "$1");
  return path === base || path.startsWith(base === "/" ? "/" : `${base}/`);
}

function parseUrl(url: string): URL | undefined {
  try {
    return new URL(url);
  } catch {
    return undefined;
  }
}

function refuse(problem: string): PolicyVerdict {
  return { ok: false, problem };
}
