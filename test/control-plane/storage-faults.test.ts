import assert from "node:assert/strict";
import { execFileSync, spawn, spawnSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import Database from "better-sqlite3";
import { CreateModelCommand, DescribeModelCommand, ListModelsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { uniqueName } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";
import { tempDir } from "../support/temp-dir.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

/**
 * A real small file system for the data directory: a tmpfs of the given size. Mounting needs
 * CAP_SYS_ADMIN, which the test machines (root) have; elsewhere the tests say why they cannot run.
 */
function mountTmpfs(sizeMiB: number): { dir: string; unmount: () => void } | string {
  const dir = tempDir("berth-fs-");
  try {
    execFileSync("mount", ["-t", "tmpfs", "-o", `size=${sizeMiB}m`, "tmpfs", dir], { stdio: "pipe" });
  } catch (error) {
    rmSync(dir, { recursive: true, force: true });
    return `cannot mount a tmpfs here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); these tests need root with CAP_SYS_ADMIN`;
  }
  return {
    dir,
    unmount: () => {
      execFileSync("umount", ["-l", dir], { stdio: "pipe" });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * An ext4 file system on a loop device, mounted with errors=remount-ro as servers usually are: ext4's
 * trigger_fs_error switch makes the kernel turn it read-only under a running server, as a disk error would.
 */
function mountExt4(sizeMiB: number): { dir: string; makeReadOnly: () => void; remount: () => void; unmount: () => void } | string {
  const root = tempDir("berth-ext4-");
  const image = join(root, "fs.img");
  const dir = join(root, "mnt");
  const options = ["-o", "loop,errors=remount-ro", image, dir];
  try {
    execFileSync("truncate", ["-s", `${sizeMiB}M`, image]);
    execFileSync("mkfs.ext4", ["-q", "-F", image], { stdio: "pipe" });
    execFileSync("mkdir", ["-p", dir]);
    execFileSync("mount", options, { stdio: "pipe" });
  } catch (error) {
    rmSync(root, { recursive: true, force: true });
    return `cannot mount an ext4 loop device here (${String((error as { stderr?: Buffer }).stderr ?? error).trim()}); this test needs root with loop devices`;
  }
  const device = () => execFileSync("findmnt", ["-no", "SOURCE", dir]).toString().trim().replace("/dev/", "");
  return {
    dir,
    makeReadOnly: () => writeFileSync(`/sys/fs/ext4/${device()}/trigger_fs_error`, "1"),
    remount: () => {
      execFileSync("umount", [dir], { stdio: "pipe" });
      // e2fsck exits 1 when it repaired something, which after an error it should.
      const fsck = spawnSync("e2fsck", ["-fy", image], { stdio: "pipe" });
      assert.ok(fsck.status === 0 || fsck.status === 1, `e2fsck failed: ${fsck.stdout}${fsck.stderr}`);
      execFileSync("mount", options, { stdio: "pipe" });
    },
    unmount: () => {
      spawnSync("umount", ["-l", dir], { stdio: "pipe" });
      rmSync(root, { recursive: true, force: true });
    },
  };
}

/** Fills the file system holding `dir` until it refuses more (dd stops at ENOSPC). */
function fill(file: string): void {
  try {
    execFileSync("dd", ["if=/dev/zero", `of=${file}`, "bs=64k"], { stdio: "pipe" });
  } catch {
    // dd exits non-zero once the disk is full, which is the point.
  }
}

/** A model record of about 100 KB, so a commit needs fresh pages and cannot reuse space the log already holds. */
function bulkyModel(name: string) {
  const Environment = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`PAD_${i}`, "x".repeat(1000)]));
  return new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo", Environment } });
}

function runServer(dataDir: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binary, "server", "--port", "0", "--data-dir", dataDir], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    // Ends when the server exits, or as soon as it says it is serving: it should have refused to start,
    // and the caller's assertions then show its output.
    const read = (chunk: Buffer) => {
      output += chunk.toString("utf8");
      if (output.includes("Berth is serving on")) child.kill("SIGKILL");
    };
    child.stdout.on("data", read);
    child.stderr.on("data", read);
    child.once("exit", (code) => resolve({ code, output }));
  });
}

describe("storage faults: a full disk during requests", () => {
  const mounted = mountTmpfs(48);
  let berth: BerthProcess;
  let dataDir: string;
  before(async () => {
    if (typeof mounted === "string") return;
    dataDir = join(mounted.dir, "data");
    berth = await startBerth({ dataDir });
  });
  after(async () => {
    if (typeof mounted === "string") return;
    await berth.stop();
    mounted.unmount();
  });

  it("answers a retryable ServiceUnavailable naming the data dir, logs it once, and keeps every stored record", async (t) => {
    if (typeof mounted === "string") return t.skip(mounted);
    const kept = uniqueName("kept");
    await berth.sagemaker.send(new CreateModelCommand({ ModelName: kept, PrimaryContainer: { Image: "berth/echo", Environment: { KEPT: "yes" } } }));
    const filler = join(mounted.dir, "filler");
    fill(filler);

    // The SDK retries a 503: with three attempts allowed, it makes three.
    const retrying = new SageMakerClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 3 });
    let refused: (Error & { $metadata: { httpStatusCode?: number; attempts?: number }; $retryable?: unknown }) | undefined;
    const lost: string[] = [];
    for (let i = 0; i < 50 && !refused; i++) {
      const name = uniqueName("full");
      try {
        await retrying.send(bulkyModel(name));
      } catch (error) {
        refused = error as typeof refused;
        lost.push(name);
      }
    }
    assert.ok(refused, "a write on a full disk was refused");
    assert.equal(refused.name, "ServiceUnavailable");
    assert.equal(refused.$metadata.httpStatusCode, 503);
    assert.equal(refused.$metadata.attempts, 3, "the SDK treated the answer as retryable");
    assert.match(refused.message, new RegExp(`file system holding Berth's data directory ${dataDir} is full`));
    assert.match(refused.message, /Nothing was changed\. Retry once .* Free space on that file system/);

    // More requests meet the same fault; the log says so once, with no stack.
    for (let i = 0; i < 3; i++) {
      const name = uniqueName("full");
      lost.push(name);
      await assert.rejects(berth.sagemaker.send(bulkyModel(name)), (e: Error) => e.name === "ServiceUnavailable");
    }
    const faultLines = berth.logs.filter((l) => l.component === "storage" && l.storageFault === "full");
    assert.equal(faultLines.length, 1, "the state store logs the full disk once");
    assert.match(String(faultLines[0]!.msg), new RegExp(`${dataDir} is full \\(SQLITE_FULL\\)`));
    assert.ok(!berth.logs.some((l) => JSON.stringify(l).includes("SQLITE_FULL") && l.err !== undefined), "no request logged a stack for the fault");
    const described = await berth.sagemaker.send(new DescribeModelCommand({ ModelName: kept }));
    assert.equal(described.PrimaryContainer?.Environment?.KEPT, "yes", "reads go on while the disk is full");

    rmSync(filler);
    const after = uniqueName("after");
    await berth.sagemaker.send(bulkyModel(after));
    await berth.waitForLog((l) => l.component === "storage" && String(l.msg).includes("takes writes again"));
    for (const name of lost)
      await assert.rejects(berth.sagemaker.send(new DescribeModelCommand({ ModelName: name })), /Could not find model/, `refused model ${name} was not stored`);
    const names = (await berth.sagemaker.send(new ListModelsCommand({ MaxResults: 100 }))).Models!.map((m) => m.ModelName);
    assert.ok(names.includes(kept) && names.includes(after));

    assert.equal(await berth.stop(), 0);
    const db = new Database(join(dataDir, "berth.db"), { readonly: true });
    try {
      assert.equal(db.pragma("integrity_check", { simple: true }), "ok");
    } finally {
      db.close();
    }
    berth = await startBerth({ dataDir });
    const again = await berth.sagemaker.send(new DescribeModelCommand({ ModelName: after }));
    assert.equal(Object.keys(again.PrimaryContainer!.Environment!).length, 100, "state written after the fault survives a restart whole");
    await eventually(async () => ((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: kept }))).ModelName === kept ? true : undefined), {
      what: "the model stored before the fault to be there after a restart",
    });
  });
});

describe("storage faults: the data directory turns read-only under a running server", () => {
  it("answers ServiceUnavailable naming the read-only directory, and the state is whole once the file system is repaired", async (t) => {
    const mounted = mountExt4(64);
    if (typeof mounted === "string") return t.skip(mounted);
    try {
      const dataDir = join(mounted.dir, "data");
      let berth = await startBerth({ dataDir });
      const kept = uniqueName("kept");
      await berth.sagemaker.send(new CreateModelCommand({ ModelName: kept, PrimaryContainer: { Image: "berth/echo" } }));
      try {
        mounted.makeReadOnly();
      } catch (error) {
        await berth.stop();
        return t.skip(`this kernel has no ext4 trigger_fs_error switch (${(error as Error).message})`);
      }
      const refused = await berth.sagemaker.send(new CreateModelCommand({ ModelName: uniqueName("ro"), PrimaryContainer: { Image: "berth/echo" } })).then(
        () => assert.fail("a write to a read-only data directory was accepted"),
        (e: Error & { $metadata: { httpStatusCode?: number } }) => e,
      );
      assert.equal(refused.name, "ServiceUnavailable");
      assert.equal(refused.$metadata.httpStatusCode, 503);
      assert.match(refused.message, new RegExp(`Berth's data directory ${dataDir} is read-only or not writable by the server's user\\. Nothing was changed`));
      const line = await berth.waitForLog((l) => l.component === "storage" && l.storageFault === "unwritable");
      assert.match(String(line.msg), /\(EROFS\)\. .*Make the directory writable: remount its file system read-write/);
      assert.equal((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: kept }))).ModelName, kept, "reads go on");
      await berth.stop();

      mounted.remount();
      berth = await startBerth({ dataDir });
      try {
        assert.equal((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: kept }))).ModelName, kept, "state from before the fault is whole");
        await berth.sagemaker.send(new CreateModelCommand({ ModelName: uniqueName("after"), PrimaryContainer: { Image: "berth/echo" } }));
      } finally {
        assert.equal(await berth.stop(), 0);
      }
    } finally {
      mounted.unmount();
    }
  });
});

describe("storage faults: at start-up", () => {
  const noStack = (output: string) => assert.doesNotMatch(output, /^\s+at /m, "no stack trace");

  it("names a read-only data directory and exits non-zero", async (t) => {
    const mounted = mountTmpfs(16);
    if (typeof mounted === "string") return t.skip(mounted);
    try {
      const dataDir = join(mounted.dir, "data");
      const first = await startBerth({ dataDir });
      assert.equal(await first.stop(), 0);
      execFileSync("mount", ["-o", "remount,ro", mounted.dir], { stdio: "pipe" });
      const { code, output } = await runServer(dataDir);
      assert.equal(code, 1, output);
      assert.match(
        output,
        new RegExp(
          `berth: Berth cannot start: Berth's data directory ${dataDir} is read-only or not writable by the server's user \\(EROFS\\)\\. Make the directory writable`,
        ),
      );
      noStack(output);
    } finally {
      mounted.unmount();
    }
  });

  it("names a damaged berth.db and exits non-zero", async () => {
    const dataDir = tempDir("berth-test-");
    writeFileSync(join(dataDir, "berth.db"), "this is not a database, but a file someone put here by mistake\n".repeat(50));
    const { code, output } = await runServer(dataDir);
    assert.equal(code, 1, output);
    assert.match(
      output,
      new RegExp(
        `Berth cannot start: a database file in Berth's data directory ${dataDir} is damaged or is not one of Berth's databases \\(SQLITE_NOTADB\\)\\. Restore berth.db`,
      ),
    );
    noStack(output);
  });
});
