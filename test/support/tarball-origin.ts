import { createHash, randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { join } from "node:path";
import { startOrigin, type ArtifactOrigin } from "./artifact-origin.js";
import { writeTarball } from "./tarball.js";
import { tempDir } from "./temp-dir.js";

export interface TarballOrigin {
  origin: ArtifactOrigin;
  /** Each path's tarball. */
  bodies: Map<string, Buffer>;
  /** Full downloads (200 answers) per path; a conditional re-check answered 304 is not one. */
  downloads: Map<string, number>;
  /** The artifact cache's entry name for a path's tarball: the sha256 of its bytes. */
  entryKey(path: string): string;
}

/** An origin on 127.0.0.1 serving, at each path, a tarball of one weights.bin that unpacks to `bytes`, with an ETag. */
export async function startTarballOrigin(paths: string[], bytes: number): Promise<TarballOrigin> {
  const work = tempDir("berth-tarballs-");
  const bodies = new Map<string, Buffer>();
  const downloads = new Map<string, number>();
  const route = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "";
    const body = bodies.get(path)!;
    const etag = `"${createHash("sha256").update(body).digest("hex").slice(0, 16)}"`;
    if (req.headers["if-none-match"] === etag) return res.writeHead(304).end();
    downloads.set(path, (downloads.get(path) ?? 0) + 1);
    res.writeHead(200, { etag }).end(body);
  };
  for (const path of paths) {
    const file = join(work, path.slice(1));
    writeTarball(file, [{ path: "weights.bin", body: randomBytes(bytes / 2).toString("hex") }]);
    bodies.set(path, readFileSync(file));
  }
  const origin = await startOrigin("127.0.0.1", Object.fromEntries(paths.map((p) => [p, route])));
  return { origin, bodies, downloads, entryKey: (path) => createHash("sha256").update(bodies.get(path)!).digest("hex") };
}
