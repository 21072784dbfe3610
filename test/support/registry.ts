import { createReadStream, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import { join } from "node:path";
import { podman } from "./container-images.js";
import { tempDir } from "./temp-dir.js";

/**
 * A minimal read-only registry (Docker Registry HTTP API v2 / OCI distribution) on 127.0.0.1 serving one
 * image from an OCI layout directory, so pulls can be tested where no registry is reachable. With
 * credentials, every request needs them (HTTP Basic), as a private registry's would.
 */
export interface TestRegistry {
  /** host:port, as an image reference names the registry. */
  host: string;
  /** The image reference it serves: `<host>/<repository>:<tag>`. */
  image: string;
  /** Manifest GETs by tag or digest, the way a test shows that a pull happened (once). */
  manifestGets(): number;
  /** Requests refused for missing or wrong credentials. */
  unauthorized(): number;
  close(): Promise<void>;
}

interface OciIndex {
  manifests: { mediaType: string; digest: string; size: number }[];
}

/** Copies a local image into an OCI layout directory (`podman push <image> oci:<dir>`). */
export async function exportImage(image: string): Promise<string> {
  const dir = join(tempDir("berth-oci-"), "layout");
  await podman(["push", "--quiet", image, `oci:${dir}`]);
  return dir;
}

export async function startRegistry(options: {
  layout: string;
  repository: string;
  tag: string;
  credentials?: { username: string; password: string };
}): Promise<TestRegistry> {
  const index = JSON.parse(readFileSync(join(options.layout, "index.json"), "utf8")) as OciIndex;
  const top = index.manifests[0];
  if (!top) throw new Error(`no manifest in ${options.layout}/index.json`);
  const blobPath = (digest: string) => join(options.layout, "blobs", ...digest.split(":"));
  const manifest = readFileSync(blobPath(top.digest));
  let manifestGets = 0;
  let unauthorized = 0;
  const expected = options.credentials
    ? `Basic ${Buffer.from(`${options.credentials.username}:${options.credentials.password}`).toString("base64")}`
    : undefined;

  const deny = (res: ServerResponse) => {
    unauthorized++;
    const text = JSON.stringify({ errors: [{ code: "UNAUTHORIZED", message: "authentication required", detail: null }] });
    res.writeHead(401, {
      "Content-Type": "application/json",
      "Content-Length": Buffer.byteLength(text),
      "WWW-Authenticate": `Basic realm="berth-test-registry"`,
      "Docker-Distribution-API-Version": "registry/2.0",
    });
    res.end(text);
  };
  const notFound = (res: ServerResponse, code: string, message: string) => {
    const text = JSON.stringify({ errors: [{ code, message, detail: null }] });
    res.writeHead(404, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text), "Docker-Distribution-API-Version": "registry/2.0" });
    res.end(text);
  };

  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (expected && req.headers.authorization !== expected) return deny(res);
    const path = new URL(req.url ?? "/", "http://registry").pathname;
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { Allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/v2/" || path === "/v2") {
      res.writeHead(200, { "Content-Type": "application/json", "Content-Length": 2, "Docker-Distribution-API-Version": "registry/2.0" });
      res.end(req.method === "HEAD" ? undefined : "{}");
      return;
    }
    const prefix = `/v2/${options.repository}/`;
    if (!path.startsWith(prefix)) return notFound(res, "NAME_UNKNOWN", `repository name not known to registry`);
    const rest = path.slice(prefix.length);
    if (rest.startsWith("manifests/")) {
      const reference = decodeURIComponent(rest.slice("manifests/".length));
      if (reference !== options.tag && reference !== top.digest) return notFound(res, "MANIFEST_UNKNOWN", `manifest unknown: ${reference}`);
      if (req.method === "GET") manifestGets++;
      res.writeHead(200, {
        "Content-Type": top.mediaType,
        "Content-Length": manifest.length,
        "Docker-Content-Digest": top.digest,
        "Docker-Distribution-API-Version": "registry/2.0",
      });
      res.end(req.method === "HEAD" ? undefined : manifest);
      return;
    }
    if (rest.startsWith("blobs/")) {
      const digest = decodeURIComponent(rest.slice("blobs/".length));
      if (!/^sha256:[0-9a-f]{64}$/.test(digest)) return notFound(res, "BLOB_UNKNOWN", `blob unknown: ${digest}`);
      let size: number;
      try {
        size = statSync(blobPath(digest)).size;
      } catch {
        return notFound(res, "BLOB_UNKNOWN", `blob unknown: ${digest}`);
      }
      res.writeHead(200, {
        "Content-Type": "application/octet-stream",
        "Content-Length": size,
        "Docker-Content-Digest": digest,
        "Docker-Distribution-API-Version": "registry/2.0",
      });
      if (req.method === "HEAD") return void res.end();
      createReadStream(blobPath(digest)).pipe(res);
      return;
    }
    notFound(res, "UNSUPPORTED", `not served: ${path}`);
  };

  const server = createServer((req, res) => {
    // The request body (none is expected) is read and dropped so the connection can be reused.
    req.resume();
    try {
      handle(req, res);
    } catch (error) {
      res.writeHead(500).end(String(error));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const host = `127.0.0.1:${(server.address() as { port: number }).port}`;
  return {
    host,
    image: `${host}/${options.repository}:${options.tag}`,
    manifestGets: () => manifestGets,
    unauthorized: () => unauthorized,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * A registries.conf (for CONTAINERS_REGISTRIES_CONF) that marks the test registries insecure, so podman
 * speaks plain HTTP to them; and no search registries, so a short name is never looked up anywhere.
 */
export function writeRegistriesConf(dir: string, hosts: string[]): string {
  const file = join(dir, "registries.conf");
  const blocks = hosts.map((host) => `[[registry]]\nlocation = "${host}"\ninsecure = true\n`);
  writeFileSync(file, `unqualified-search-registries = []\nshort-name-mode = "disabled"\n\n${blocks.join("\n")}`);
  return file;
}

/** A registry credentials file in docker's config.json format: {"auths": {"host:port": {"auth": base64(user:pass)}}}. */
export function writeAuthFile(dir: string, auths: Record<string, { username: string; password: string }>): string {
  const file = join(dir, "config.json");
  const entries = Object.fromEntries(Object.entries(auths).map(([host, c]) => [host, { auth: Buffer.from(`${c.username}:${c.password}`).toString("base64") }]));
  writeFileSync(file, JSON.stringify({ auths: entries }, null, 2), { mode: 0o600 });
  return file;
}
