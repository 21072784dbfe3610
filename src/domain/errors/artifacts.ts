/**
 * Why an artifact URL or download is refused. The same texts serve a ValidationException at create time
 * and a copy's FailureReason when the agent refuses at fetch time, so each names the URL, what is allowed
 * and which setting to change.
 */
const list = (items: readonly string[], empty: string) => (items.length > 0 ? items.join(", ") : empty);

export interface AllowedSources {
  localRoots: readonly string[];
  allowedHosts: readonly string[];
}

const allowed = (sources: AllowedSources) =>
  `artifacts.localRoots: ${list(sources.localRoots, "none")}; artifacts.allowedHosts: ${list(sources.allowedHosts, "none")}`;

export const artifactProblems = {
  unsupportedScheme: (url: string, sources: AllowedSources) =>
    `Artifact URL '${url}' has an unsupported scheme. Use an absolute path or a file:///absolute/path under artifacts.localRoots, or an http(s):// URL on a host in artifacts.allowedHosts (${allowed(sources)}).`,
  s3: (url: string, sources: AllowedSources) =>
    `Artifact URL '${url}' is in S3, which this Berth host cannot read. Copy the artifact under one of artifacts.localRoots or to an http(s) host in artifacts.allowedHosts (${allowed(sources)}), and point ModelDataUrl / ArtifactUrl there.`,
  malformed: (url: string) => `Artifact URL '${url}' is not a valid URL. Write an absolute path, file:///absolute/path or http(s)://host/path.`,
  fileHost: (url: string, host: string) =>
    `Artifact URL '${url}' names host '${host}', but a file URL must name a path on this host: write file:///absolute/path (three slashes) or the absolute path itself.`,
  relativePath: (url: string, sources: AllowedSources) =>
    `Artifact path '${url}' is relative. Give an absolute path (or file:///absolute/path) under artifacts.localRoots, or an http(s) URL on a host in artifacts.allowedHosts (${allowed(sources)}).`,
  dotSegments: (url: string) => `Artifact path '${url}' contains '.' or '..' segments. Give the artifact's plain absolute path under artifacts.localRoots.`,
  badPathCharacters: (url: string) => `Artifact path '${url}' contains a NUL byte or an encoded '/'. Give the artifact's plain absolute path.`,
  outsideRoots: (url: string, path: string, roots: readonly string[]) =>
    `Artifact path ${path} (from '${url}') is not under an allowed local root (artifacts.localRoots: ${list(roots, "none, so local artifacts are off")}). ` +
    `Move the artifact under one of them, or add its directory to artifacts.localRoots in the server config.`,
  credentials: (url: string) =>
    `Artifact URL '${url}' carries a user name or password. Berth does not send credentials to artifact hosts; serve the artifact without them.`,
  hostNotAllowed: (url: string, host: string, allowed: readonly string[]) =>
    `Artifact host '${host}' (from '${url}') is not in artifacts.allowedHosts (${list(allowed, "empty, so remote artifacts are off")}). ` +
    `Add the host, or a pattern such as *.example.com, to artifacts.allowedHosts in the server config.`,
  addressNotAllowed: (url: string, host: string, address: string, range: string, privateAllowed: boolean) =>
    `Artifact host '${host}' (from '${url}') ${host === address ? "is" : "resolves to"} ${address}, a ${range} address, which Berth does not fetch from unless told to. ` +
    (privateAllowed || range === "link-local" || range === "unspecified, multicast or reserved"
      ? `List the address or its network (e.g. ${address}/32) in artifacts.allowedHosts if this host is meant to serve artifacts.`
      : `Set artifacts.allowPrivateNetworks: true, or list the address or its network (e.g. 10.0.0.0/8) in artifacts.allowedHosts, if this host is meant to serve artifacts.`),
  noAddress: (url: string, host: string, detail: string) => `Artifact host '${host}' (from '${url}') could not be resolved (${detail}). Check the host name.`,
};

export const artifactFailures = {
  missing: (url: string) => `Model artifact ${url} does not exist on this host. Check ModelDataUrl / ArtifactUrl.`,
  escapesRoots: (url: string, real: string, roots: readonly string[]) =>
    `Model artifact ${url} resolves (through symbolic links) to ${real}, which is not under artifacts.localRoots (${list(roots, "none")}). Point the URL at the artifact's real location under a root, or add that root.`,
  notRegularFile: (url: string) =>
    `Model artifact ${url} is neither a directory nor a regular file. Point the URL at a directory, a .tar.gz archive or a single file.`,
  httpStatus: (url: string, status: number) => `Downloading ${url} failed with HTTP ${status}. Check that the artifact host serves this URL.`,
  downloadFailed: (url: string, detail: string) => `Downloading ${url} failed: ${detail}. Berth retries with backoff.`,
  downloadTimedOut: (url: string, seconds: number) =>
    `Downloading ${url} did not finish within ${seconds} s (ModelDataDownloadTimeoutInSeconds). Raise the timeout or serve the artifact faster.`,
  tooManyRedirects: (url: string, hops: number) => `Downloading ${url} was redirected more than ${hops} times. Point the URL at the artifact itself.`,
  redirectWithoutLocation: (url: string, status: number) => `Downloading ${url} answered redirect ${status} without a Location header.`,
  redirectRefused: (url: string, problem: string) => `Downloading ${url} was redirected somewhere Berth does not fetch from: ${problem}`,
  downloadTooLarge: (url: string, limit: number) =>
    `Model artifact ${url} is larger than artifacts.maxDownloadBytes (${limit} bytes), so the download was stopped. Raise artifacts.maxDownloadBytes in the server config if the artifact is genuinely that large.`,
  unpackedTooLarge: (url: string, limit: number) =>
    `Model artifact ${url} unpacks to more than artifacts.maxUnpackedBytes (${limit} bytes), so unpacking was stopped. Raise artifacts.maxUnpackedBytes in the server config if the archive is genuinely that large.`,
  tooManyFiles: (url: string, limit: number) =>
    `Model artifact ${url} holds more than artifacts.maxFiles (${limit}) entries, so unpacking was stopped. Raise artifacts.maxFiles in the server config if the archive genuinely holds that many.`,
  entryRefused: (url: string, entry: string, why: string) =>
    `Model artifact ${url} holds entry '${entry}', which Berth refuses to unpack: ${why}. Rebuild the archive without it.`,
  unpackFailed: (url: string, detail: string) => `Could not unpack model artifact ${url}: ${detail}. It must be a .tar or .tar.gz archive.`,
  prepareFailed: (url: string, detail: string) => `Preparing model artifact ${url} failed: ${detail}. Berth retries with backoff.`,
  vanished: (url: string) => `The cached copy of model artifact ${url} was removed while Berth was preparing it; Berth retries with backoff.`,
  changedWhileReading: (url: string) => `Model artifact ${url} changed while Berth was reading it; Berth retries with backoff.`,
};
