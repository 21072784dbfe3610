import assert from "node:assert/strict";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, readlinkSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { describe, it } from "node:test";
import { ArtifactError } from "../../src/artifacts/artifact-error.js";
import { unpackArchive } from "../../src/artifacts/safe-unpack.js";
import { tarBytes, writeTarball, type TarEntry } from "../support/tarball.js";
import { tempDir } from "../support/temp-dir.js";

const limits = { maxUnpackedBytes: 1024 * 1024, maxFiles: 50 };

function workspace() {
  const root = tempDir("berth-unpack-");
  const target = join(root, "target");
  mkdirSync(target);
  return { root, target, archive: join(root, "artifact.tar.gz") };
}

async function refusal(entries: TarEntry[], options: { limits?: typeof limits } = {}): Promise<{ error: ArtifactError; root: string; target: string }> {
  const { root, target, archive } = workspace();
  writeTarball(archive, entries);
  const error = await unpackArchive(archive, target, options.limits ?? limits, "file:///artifact.tar.gz").then(
    () => assert.fail("the archive was unpacked"),
    (e: unknown) => e,
  );
  assert.ok(error instanceof ArtifactError, `an ArtifactError, got ${String(error)}`);
  assert.equal(error.terminal, true, "retrying the same archive cannot help");
  return { error, root, target };
}

function bytesUnder(dir: string): number {
  let total = 0;
  for (const name of readdirSync(dir)) {
    const info = lstatSync(join(dir, name));
    total += info.isDirectory() ? bytesUnder(join(dir, name)) : info.size;
  }
  return total;
}

describe("unpacking a model archive", () => {
  it("drops owners and setuid, setgid and sticky bits, and leaves files readable by others", async () => {
    const { target, archive } = workspace();
    writeTarball(archive, [
      { path: "bin", type: "Directory", mode: 0o1777, uid: 1234, gid: 1234 },
      { path: "bin/run", mode: 0o6755, uid: 0, gid: 0, body: "#!/bin/sh\n" },
      { path: "weights.bin", mode: 0o600, uid: 1234, gid: 1234, body: "0123" },
      { path: "latest", type: "SymbolicLink", linkpath: "weights.bin" },
    ]);
    await unpackArchive(archive, target, limits, "file:///artifact.tar.gz");
    const mode = (path: string) => statSync(join(target, path)).mode & 0o7777;
    assert.equal(mode("bin/run"), 0o755, "setuid and setgid dropped, still executable");
    assert.equal(mode("weights.bin"), 0o644, "readable by the copies' user");
    assert.equal(mode("bin"), 0o755, "sticky bit dropped");
    for (const path of ["bin", "bin/run", "weights.bin"])
      assert.equal(statSync(join(target, path)).uid, process.getuid!(), `${path} belongs to the server's user, not the archive's`);
    assert.equal(readlinkSync(join(target, "latest")), "weights.bin", "a link inside the artifact is kept");
  });

  it("returns the sha256 of the archive's bytes", async () => {
    const { target, archive } = workspace();
    writeTarball(archive, [{ path: "a", body: "a" }]);
    const digest = await unpackArchive(archive, target, limits, "file:///artifact.tar.gz");
    const { createHash } = await import("node:crypto");
    const { readFileSync } = await import("node:fs");
    assert.equal(digest, createHash("sha256").update(readFileSync(archive)).digest("hex"));
  });

  const refused: [string, TarEntry, RegExp][] = [
    ["a path climbing out with ..", { path: "../slip", body: "x" }, /entry '\.\.\/slip'.*leads outside the artifact directory/],
    ["an absolute path", { path: "/tmp/berth-absolute-slip", body: "x" }, /leads outside the artifact directory/],
    ["a hard link", { path: "passwd", type: "Link", linkpath: "/etc/passwd" }, /entry 'passwd'.*hard link/],
    ["a character device", { path: "null", type: "CharacterDevice" }, /entry 'null'.*device file/],
    ["a block device", { path: "disk", type: "BlockDevice" }, /entry 'disk'.*device file/],
    ["a FIFO", { path: "pipe", type: "FIFO" }, /entry 'pipe'.*FIFO/],
    [
      "a symbolic link to an absolute path",
      { path: "shadow", type: "SymbolicLink", linkpath: "/etc/shadow" },
      /entry 'shadow'.*symbolic link to an absolute path/,
    ],
    [
      "a symbolic link climbing out",
      { path: "sub/up", type: "SymbolicLink", linkpath: "../../outside" },
      /entry 'sub\/up'.*points outside the artifact directory/,
    ],
  ];
  for (const [what, entry, message] of refused) {
    it(`refuses ${what}, and writes nothing outside the target`, async () => {
      const { error, root, target } = await refusal([{ path: "ok.txt", body: "fine" }, entry]);
      assert.match(error.message, message);
      assert.match(error.message, /Rebuild the archive without it/);
      assert.deepEqual(readdirSync(root).sort(), ["artifact.tar.gz", "target"], "nothing was written beside the target");
      assert.ok(!existsSync("/tmp/berth-absolute-slip"));
      assert.ok(!readdirSync(target).some((name) => name !== "ok.txt" && name !== "sub"), `only the good entry was written: ${readdirSync(target).join(", ")}`);
    });
  }

  it("refuses a symbolic link whose target reads as inside but climbs out through another link", async () => {
    const up = { path: "d1/d2/up", type: "SymbolicLink", linkpath: "../.." } as const;
    const dirs: TarEntry[] = [
      { path: "d1", type: "Directory" },
      { path: "d1/d2", type: "Directory" },
    ];
    // `d1/d2/up/../..` normalises to `.`, but the kernel follows `up` to the top first, then climbs two levels out.
    const climbs = await refusal([...dirs, up, { path: "esc", type: "SymbolicLink", linkpath: "d1/d2/up/../.." }]);
    assert.match(climbs.error.message, /entry 'esc'.*points outside the artifact directory/);
    const { target, archive } = workspace();
    writeTarball(archive, [...dirs, up, { path: "d1/d2/weights.bin", body: "w" }, { path: "d1/latest", type: "SymbolicLink", linkpath: "d2" }]);
    await unpackArchive(archive, target, limits, "file:///artifact.tar.gz");
    assert.equal(readFileSync(join(target, "d1/d2/up/d1/latest/weights.bin"), "utf8"), "w", "links that stay inside, through other links, still unpack");
  });

  it("stops at artifacts.maxFiles entries", async () => {
    const entries = Array.from({ length: 80 }, (_, i) => ({ path: `f${i}`, body: "x" }));
    const { error } = await refusal(entries);
    assert.match(error.message, /holds more than artifacts\.maxFiles \(50\) entries/);
  });

  it("refuses a file whose header promises more than artifacts.maxUnpackedBytes, before writing it", async () => {
    const { error, target } = await refusal([{ path: "huge.bin", size: 8 * 1024 * 1024, body: Buffer.alloc(8 * 1024 * 1024) }]);
    assert.match(error.message, /unpacks to more than artifacts\.maxUnpackedBytes \(1048576 bytes\)/);
    assert.ok(bytesUnder(target) <= limits.maxUnpackedBytes);
  });

  it("stops a gzip bomb at the limit without writing it out", async () => {
    const { root, target, archive } = workspace();
    // 64 MiB of zero blocks after one small file: about 64 KiB compressed.
    writeFileSync(archive, gzipSync(Buffer.concat([tarBytes([{ path: "small", body: "x" }]), Buffer.alloc(64 * 1024 * 1024)])));
    assert.ok(statSync(archive).size < 1024 * 1024);
    const error = await unpackArchive(archive, target, limits, "file:///bomb.tar.gz").catch((e: unknown) => e);
    assert.ok(error instanceof ArtifactError && error.terminal);
    assert.match(error.message, /unpacks to more than artifacts\.maxUnpackedBytes/);
    assert.ok(bytesUnder(root) - statSync(archive).size <= limits.maxUnpackedBytes, "the disk did not fill");
  });

  it("refuses something that is not a tar archive, saying what it must be", async () => {
    const { target, archive } = workspace();
    writeFileSync(archive, gzipSync(Buffer.from("this is not a tarball at all, just text ".repeat(40))));
    const error = await unpackArchive(archive, target, limits, "file:///text.tar.gz").catch((e: unknown) => e);
    assert.ok(error instanceof ArtifactError);
    assert.match(error.message, /It must be a \.tar or \.tar\.gz archive/);
  });
});
