// Measures how fast Berth's artifact limits stop a gzip bomb and an endless download (after `npx tsc -p .`).
import { createServer } from "node:http";
import { createWriteStream, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { download } from "../dist/src/artifacts/safe-fetch.js";
import { unpackArchive } from "../dist/src/artifacts/safe-unpack.js";
import { tarBytes } from "../dist/test/support/tarball.js";

const mib = 1024 * 1024;
const dir = mkdtempSync(join(tmpdir(), "berth-limits-"));
try {
  const bomb = join(dir, "bomb.tar.gz");
  async function* zeros() {
    yield tarBytes([{ path: "small", body: "x" }]).subarray(0, 1024);
    for (let i = 0; i < 1024; i++) yield Buffer.alloc(mib);
  }
  await pipeline(Readable.from(zeros()), createGzip({ level: 9 }), createWriteStream(bomb));
  const target = join(dir, "unpacked");
  mkdirSync(target);
  let started = performance.now();
  const unpackError = await unpackArchive(bomb, target, { maxUnpackedBytes: 32 * mib, maxFiles: 10_000 }, "file:///bomb.tar.gz").catch((e) => e);
  const written = readdirSync(target).reduce((sum, f) => sum + statSync(join(target, f)).size, 0);
  console.log(
    `gzip bomb (${statSync(bomb).size} bytes, 1 GiB inflated), maxUnpackedBytes 32 MiB: stopped in ${Math.round(performance.now() - started)} ms, ${written} bytes written: ${unpackError.message}`,
  );

  const server = createServer((_req, res) => {
    res.writeHead(200);
    const chunk = Buffer.alloc(64 * 1024);
    const pump = () => {
      while (!res.destroyed && res.write(chunk));
      if (!res.destroyed) res.once("drain", pump);
    };
    pump();
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  started = performance.now();
  const policy = { localRoots: [], allowedHosts: ["127.0.0.1"], allowPrivateNetworks: false };
  const downloadError = await download(`http://127.0.0.1:${server.address().port}/endless.tar.gz`, join(dir, "download"), {
    policy,
    maxBytes: 64 * mib,
    timeoutMs: 60_000,
  }).catch((e) => e);
  console.log(
    `endless download, maxDownloadBytes 64 MiB: stopped in ${Math.round(performance.now() - started)} ms, ${statSync(join(dir, "download")).size} bytes on disk: ${downloadError.message}`,
  );
  server.closeAllConnections();
  server.close();
} finally {
  rmSync(dir, { recursive: true, force: true });
}
