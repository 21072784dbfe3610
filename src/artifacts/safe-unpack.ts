import { createHash, type Hash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { chmod, lstat, open, readdir, readlink, realpath } from "node:fs/promises";
import { dirname, join, posix, relative } from "node:path";
import { PassThrough, Transform, Writable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGunzip } from "node:zlib";
import { Unpack, type ReadEntry } from "tar";
import { artifactFailures } from "../domain/errors/artifacts.js";
import { ArtifactError } from "./artifact-error.js";

export interface UnpackLimits {
  maxUnpackedBytes: number;
  maxFiles: number;
}

const fileMode = 0o644;
const executableMode = 0o755;
const directoryMode = 0o755;
/** Room for tar headers and padding beside the file contents when bounding the decompressed stream. */
const tarOverheadPerEntry = 1536;

export function isArchive(name: string): boolean {
  return /\.(tar\.gz|tgz|tar)$/.test(name);
}

/**
 * Unpacks a .tar or .tar.gz into dir as the copies' unprivileged user will need it: owners dropped,
 * modes reduced to 0644/0755 (no setuid, setgid or sticky bits), no device files, FIFOs or hard links,
 * no path or symbolic link leading out of dir, and the unpacked bytes and entry count bounded as it goes,
 * so a gzip bomb stops at the limit rather than filling the disk. Returns the sha256 of the bytes read.
 */
export async function unpackArchive(file: string, dir: string, limits: UnpackLimits, url: string): Promise<string> {
  const hash = createHash("sha256");
  let failure: ArtifactError | undefined;
  let entries = 0;
  let contentBytes = 0;
  const unpack = new Unpack({
    cwd: dir,
    strict: true,
    preserveOwner: false,
    chmod: true,
    umask: 0o022,
    filter: (_path, entry) => {
      const problem = judgeEntry(entry as ReadEntry, url, limits, { entries: ++entries, contentBytes });
      if (problem) {
        failure ??= problem;
        unpack.abort(problem);
        return false;
      }
      const e = entry as ReadEntry;
      if (e.type !== "SymbolicLink")
        e.mode = e.type === "Directory" || e.type === "GNUDumpDir" ? directoryMode : (e.mode ?? 0) & 0o111 ? executableMode : fileMode;
      if (e.type === "File" || e.type === "OldFile" || e.type === "ContiguousFile") contentBytes += e.size ?? 0;
      return true;
    },
  });
  const streamLimit = limits.maxUnpackedBytes + (limits.maxFiles + 2) * tarOverheadPerEntry;
  try {
    await pipeline(
      createReadStream(file),
      tap(hash),
      (await isGzip(file)) ? createGunzip() : new PassThrough(),
      limitBytes(streamLimit, () => new ArtifactError(artifactFailures.unpackedTooLarge(url, limits.maxUnpackedBytes), true)),
      into(unpack),
    );
  } catch (error) {
    if (failure) throw failure;
    if (error instanceof ArtifactError) throw error;
    throw new ArtifactError(artifactFailures.unpackFailed(url, (error as Error).message), true);
  }
  if (failure) throw failure;
  const links: string[] = [];
  await normaliseModes(dir, links);
  await checkLinksStayInside(dir, links, url);
  return hash.digest("hex");
}

/** Copies a single-file artifact into dir under its name, readable by others; returns its sha256. */
export async function copyFileArtifact(file: string, dir: string, name: string, maxBytes: number, url: string): Promise<string> {
  const hash = createHash("sha256");
  const target = join(dir, name);
  await pipeline(
    createReadStream(file),
    tap(hash),
    limitBytes(maxBytes, () => new ArtifactError(artifactFailures.unpackedTooLarge(url, maxBytes), true)),
    createWriteStream(target, { mode: fileMode }),
  );
  await chmod(target, fileMode);
  return hash.digest("hex");
}

export async function fileDigest(file: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(file), tap(hash), new Writable({ write: (_chunk, _enc, done) => done() }));
  return hash.digest("hex");
}

function judgeEntry(entry: ReadEntry, url: string, limits: UnpackLimits, seen: { entries: number; contentBytes: number }): ArtifactError | undefined {
  const refuse = (why: string) => new ArtifactError(artifactFailures.entryRefused(url, entry.path, why), true);
  if (seen.entries > limits.maxFiles) return new ArtifactError(artifactFailures.tooManyFiles(url, limits.maxFiles), true);
  if (entry.path.startsWith("/") || entry.path.split("/").includes("..")) return refuse("its path leads outside the artifact directory");
  switch (entry.type) {
    case "File":
    case "OldFile":
    case "ContiguousFile":
      if (seen.contentBytes + (entry.size ?? 0) > limits.maxUnpackedBytes)
        return new ArtifactError(artifactFailures.unpackedTooLarge(url, limits.maxUnpackedBytes), true);
      return undefined;
    case "Directory":
    case "GNUDumpDir":
      return undefined;
    case "SymbolicLink": {
      const link = String(entry.linkpath ?? "");
      if (link.startsWith("/")) return refuse("it is a symbolic link to an absolute path");
      const resolved = posix.normalize(posix.join(posix.dirname(entry.path), link));
      if (resolved === ".." || resolved.startsWith("../")) return refuse("it is a symbolic link that points outside the artifact directory");
      return undefined;
    }
    case "Link":
      return refuse("it is a hard link");
    case "CharacterDevice":
    case "BlockDevice":
      return refuse("it is a device file");
    case "FIFO":
      return refuse("it is a FIFO");
    default:
      return refuse(`it is of unsupported type ${entry.type}`);
  }
}

/** Whatever the archive or the process umask did, files end 0644/0755 and directories 0755; collects the symbolic links it passes. */
async function normaliseModes(dir: string, links: string[]): Promise<void> {
  await chmod(dir, directoryMode);
  for (const name of await readdir(dir)) {
    const path = join(dir, name);
    const info = await lstat(path);
    if (info.isSymbolicLink()) {
      links.push(path);
      continue;
    }
    if (info.isDirectory()) await normaliseModes(path, links);
    else await chmod(path, info.mode & 0o111 ? executableMode : fileMode);
  }
}

/** How many symbolic links one resolution may pass, as the kernel's own bound (40 on Linux). */
const maxLinkHops = 40;

/**
 * Each entry's check reads a link's target as text, which cannot see a `..` after another link: with
 * `d/e/up -> ../..`, the link `esc -> d/e/up/../..` reads as `.` but leads two levels above the artifact.
 * Once every entry is on disk, each link is resolved as the kernel would, one component at a time, and
 * refused if it leaves the artifact at any step (a target that does not exist yet included: it could be
 * created later outside).
 */
async function checkLinksStayInside(dir: string, links: readonly string[], url: string): Promise<void> {
  const root = await realpath(dir);
  const inside = (path: string) => path === root || path.startsWith(`${root}/`);
  for (const link of links) {
    const entry = relative(dir, link);
    const refuse = (why: string) => new ArtifactError(artifactFailures.entryRefused(url, entry, why), true);
    let hops = 0;
    const follow = async (from: string, target: string): Promise<string> => {
      if (++hops > maxLinkHops) throw refuse("it is a symbolic link in a loop, or a chain of more than 40");
      if (target.startsWith("/")) throw refuse("it is a symbolic link to an absolute path");
      let current = from;
      for (const part of target.split("/")) {
        if (part === "" || part === ".") continue;
        const next = part === ".." ? dirname(current) : join(current, part);
        if (!inside(next)) throw refuse("it is a symbolic link that points outside the artifact directory");
        const info = await lstat(next).catch(() => undefined);
        current = info?.isSymbolicLink() ? await follow(dirname(next), await readlink(next)) : next;
      }
      return current;
    };
    await follow(join(root, relative(dir, dirname(link))), await readlink(link));
  }
}

async function isGzip(file: string): Promise<boolean> {
  const handle = await open(file, "r");
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

function tap(hash: Hash): Transform {
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      done(null, chunk);
    },
  });
}

function limitBytes(limit: number, tooMany: () => Error): Transform {
  let bytes = 0;
  return new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(bytes > limit ? tooMany() : null, chunk);
    },
  });
}

/**
 * node-tar's Unpack is not a Node stream; this lets pipeline feed it with backpressure and see it finish.
 * Bytes after the end-of-archive marker are dropped (still counted upstream): node-tar would keep
 * concatenating them, which costs quadratic time on a bomb of trailing zeros.
 */
function into(unpack: Unpack): Writable {
  const finished = new Promise<void>((resolve, reject) => {
    unpack.on("close", () => resolve());
    unpack.on("error", reject);
  });
  finished.catch(() => undefined);
  let ended = false;
  unpack.on("eof", () => (ended = true));
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      if (ended || unpack.write(chunk)) done();
      else unpack.once("drain", () => done());
    },
    final(done) {
      unpack.end();
      finished.then(() => done(), done);
    },
  });
  unpack.on("error", (error: Error) => sink.destroy(error));
  return sink;
}
