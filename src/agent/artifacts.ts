import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import { mkdir, rename, rm, stat, writeFile, symlink } from "node:fs/promises";
import { basename, join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { fileURLToPath } from "node:url";

export class ArtifactError extends Error {
  override name = "ArtifactError";
  /** True when retrying cannot help (e.g. an unsupported URL scheme). */
  readonly terminal: boolean;

  constructor(message: string, terminal: boolean) {
    super(message);
    this.terminal = terminal;
  }
}

const completeMarker = ".berth-complete";

/**
 * Makes a model artifact available as a local directory. Local directories are used in place; archives
 * and downloads are unpacked once into the cache and shared by every copy that names the same artifact.
 */
export class ArtifactCache {
  readonly #root: string;
  readonly #inFlight = new Map<string, Promise<string>>();

  constructor(root: string) {
    this.#root = root;
  }

  async ensure(url: string, options: { timeoutMs: number }): Promise<string> {
    const local = localPath(url);
    if (local !== undefined) {
      const info = await stat(local).catch(() => undefined);
      if (!info) throw new ArtifactError(`Model artifact ${url} does not exist on this host. Check ModelDataUrl / ArtifactUrl.`, false);
      if (info.isDirectory()) return local;
      return this.#cached(`${url}|${info.size}|${info.mtimeMs}`, (dir) => unpackFile(local, dir));
    }
    if (/^https?:\/\//.test(url)) return this.#cached(url, (dir) => download(url, dir, options.timeoutMs));
    if (url.startsWith("s3://")) {
      throw new ArtifactError(`Model artifact ${url} is in S3, which this Berth host cannot read. Copy it to a local path or an http(s) URL and point ModelDataUrl there.`, true);
    }
    throw new ArtifactError(`Model artifact URL ${url} has an unsupported scheme. Use file://, an absolute path, or http(s)://.`, true);
  }

  #cached(identity: string, fill: (dir: string) => Promise<void>): Promise<string> {
    const dir = join(this.#root, createHash("sha256").update(identity).digest("hex").slice(0, 24));
    let job = this.#inFlight.get(dir);
    if (!job) {
      job = (async () => {
        if (existsSync(join(dir, completeMarker))) return dir;
        const partial = `${dir}.partial-${process.pid}`;
        await rm(partial, { recursive: true, force: true });
        await mkdir(partial, { recursive: true });
        try {
          await fill(partial);
          await writeFile(join(partial, completeMarker), identity);
          await rm(dir, { recursive: true, force: true });
          await rename(partial, dir);
        } catch (error) {
          await rm(partial, { recursive: true, force: true });
          throw error;
        }
        return dir;
      })().finally(() => this.#inFlight.delete(dir));
      this.#inFlight.set(dir, job);
    }
    return job;
  }
}

function localPath(url: string): string | undefined {
  if (url.startsWith("file://")) return fileURLToPath(url);
  if (url.startsWith("/")) return url;
  return undefined;
}

function isArchive(name: string): boolean {
  return /\.(tar\.gz|tgz|tar)$/.test(name);
}

async function unpackFile(file: string, dir: string): Promise<void> {
  if (isArchive(file)) return extract(file, dir);
  await symlink(file, join(dir, basename(file)));
}

function extract(archive: string, dir: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const flags = archive.endsWith(".tar") ? "-xf" : "-xzf";
    execFile("tar", [flags, archive, "-C", dir], { timeout: 10 * 60_000 }, (error, _stdout, stderr) => {
      if (error) reject(new ArtifactError(`Could not unpack ${archive}: ${stderr.trim() || error.message}. It must be a .tar.gz archive.`, true));
      else resolve();
    });
  });
}

async function download(url: string, dir: string, timeoutMs: number): Promise<void> {
  let response: Response;
  try {
    response = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch (error) {
    throw new ArtifactError(`Downloading ${url} failed: ${(error as Error).message}.`, false);
  }
  if (!response.ok || !response.body) throw new ArtifactError(`Downloading ${url} failed with HTTP ${response.status}.`, response.status === 404);
  const name = basename(new URL(url).pathname) || "artifact";
  const file = join(dir, name);
  await pipeline(Readable.fromWeb(response.body as import("node:stream/web").ReadableStream), createWriteStream(file));
  if (isArchive(name)) {
    await extract(file, dir);
    await rm(file);
  }
}
