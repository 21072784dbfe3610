import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { chmodSync, chownSync, mkdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { CopyFiles } from "../../src/agent/copy-files.js";
import { CopySandbox } from "../../src/agent/copy-sandbox.js";
import { findSetpriv } from "../../src/agent/copy-user.js";
import { newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createIcEndpoint } from "../support/fixtures.js";
import { askProbe, deployProbe, probeImages, procStatus, userIds } from "../support/probe.js";

const messages = (berth: BerthProcess) => berth.logs.map((l) => String(l.msg));

describe("copies run as an unprivileged user (server run as root)", { skip: process.getuid?.() !== 0 && "needs a root server" }, () => {
  let berth: BerthProcess;
  let endpoint: string;
  let dataDir: string;
  before(async () => {
    dataDir = newDataDir();
    chmodSync(dataDir, 0o755);
    berth = await startBerth({ dataDir, config: { images: probeImages } });
    endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  });
  after(async () => {
    await berth.stop();
  });

  it("runs a copy as the copy user, with no_new_privs and no supplementary groups", async () => {
    const user = userIds("berth-copy");
    const { pid } = await deployProbe(berth.sagemaker, berth.url, endpoint);
    assert.deepEqual(procStatus(pid, "Uid")!.split(/\s+/).map(Number), [user.uid, user.uid, user.uid, user.uid]);
    assert.deepEqual(procStatus(pid, "Gid")!.split(/\s+/).map(Number), [user.gid, user.gid, user.gid, user.gid]);
    assert.equal(procStatus(pid, "NoNewPrivs"), "1");
    assert.equal(procStatus(pid, "Groups"), "");
    assert.ok(
      messages(berth).some((m) => m.startsWith(`model copies run as berth-copy (uid ${user.uid}`)),
      "the log names the copy user",
    );
  });

  it("keeps the data dir private: mode 0700, tightened on start, and unreadable by a copy", async () => {
    assert.equal(statSync(dataDir).mode & 0o777, 0o700);
    assert.ok(
      messages(berth).some((m) => m.startsWith(`tightened the data dir ${dataDir} from mode 755 to 700`)),
      "the log says the data dir was tightened",
    );
    const { name } = await deployProbe(berth.sagemaker, berth.url, endpoint);
    const answer = await askProbe(berth.runtime, endpoint, name, { read: [join(dataDir, "berth.db"), `${dataDir}/`] });
    assert.deepEqual(answer.read, { [join(dataDir, "berth.db")]: "EACCES", [`${dataDir}/`]: "EACCES" });
  });

  it("keeps copies' files in a sibling dir readable by the copy user's group only", async () => {
    const copies = statSync(`${dataDir}-copies`);
    assert.equal(copies.mode & 0o777, 0o750);
    assert.equal(copies.uid, 0);
    assert.equal(copies.gid, userIds("berth-copy").gid);
  });

  it("gives each copy a private, writable HOME and TMPDIR in the copies dir", async () => {
    const { name } = await deployProbe(berth.sagemaker, berth.url, endpoint);
    const { env, write } = await askProbe(berth.runtime, endpoint, name, { write: [] });
    assert.ok(env.HOME!.startsWith(`${dataDir}-copies/scratch/`), `HOME ${env.HOME} is in the copies dir`);
    assert.ok(env.TMPDIR!.startsWith(`${dataDir}-copies/scratch/`), `TMPDIR ${env.TMPDIR} is in the copies dir`);
    const answer = await askProbe(berth.runtime, endpoint, name, { write: [env.HOME!, env.TMPDIR!] });
    assert.deepEqual(answer.write, { [env.HOME!]: "ok", [env.TMPDIR!]: "ok" });
    assert.deepEqual(write, {});
  });
});

describe("a server that is not root runs copies as its own user", { skip: process.getuid?.() !== 0 && "needs root to start a server as another user" }, () => {
  it("says so once and still sets no_new_privs", async () => {
    const nobody = userIds("nobody");
    const dataDir = join(newDataDir(), "data");
    mkdirSync(dataDir);
    chownSync(dataDir, nobody.uid, nobody.gid);
    chownSync(join(dataDir, ".."), nobody.uid, nobody.gid);
    const berth = await startBerth({ dataDir, user: nobody, config: { images: probeImages } });
    try {
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const { pid } = await deployProbe(berth.sagemaker, berth.url, endpoint);
      assert.equal(procStatus(pid, "Uid")!.split(/\s+/)[0], String(nobody.uid));
      assert.equal(procStatus(pid, "NoNewPrivs"), "1");
      const notes = messages(berth).filter((m) => m.startsWith("the server is not running as root, so model copies run as its own user"));
      assert.equal(notes.length, 1, "said once");
    } finally {
      await berth.stop();
    }
  });
});

describe("a copy user that does not exist yet", { skip: process.getuid?.() !== 0 && "needs a root server" }, () => {
  it("is created as a system user with no login shell, and the log says so", async () => {
    const name = `berth-t${process.pid}`;
    const berth = await startBerth({ config: { images: probeImages, copies: { user: name } } });
    try {
      const user = userIds(name);
      assert.ok(messages(berth).includes(`created system user ${name} (uid ${user.uid}) to run model copies`));
      assert.equal(execFileSync("getent", ["passwd", name], { encoding: "utf8" }).trim().split(":")[6], "/usr/sbin/nologin");
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const { pid } = await deployProbe(berth.sagemaker, berth.url, endpoint);
      assert.equal(procStatus(pid, "Uid")!.split(/\s+/)[0], String(user.uid));
    } finally {
      await berth.stop();
      execFileSync("userdel", [name]);
    }
  });
});

describe("copies settings", () => {
  const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));
  const startWith = (yaml: string) => {
    const dataDir = newDataDir();
    const file = join(dataDir, "berth.yaml");
    writeFileSync(file, yaml);
    return spawnSync(process.execPath, [binary, "server", "--config", file, "--data-dir", dataDir], { encoding: "utf8", timeout: 20_000 });
  };

  it("refuses an unknown copies setting, naming it", () => {
    const result = startWith("copies:\n  usr: nobody\n");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /unknown setting 'copies\.usr'. Known settings in copies: user, dir/);
  });

  it("refuses a copies.user that is neither a name nor uid[:gid]", () => {
    const result = startWith("copies:\n  user: '--reuid=0'\n");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /copies\.user must be a user name .* or uid\[:gid\]/);
  });

  it("refuses a copies.mps other than auto, on or off", () => {
    const result = startWith("copies:\n  mps: yes\n");
    assert.equal(result.status, 2);
    assert.match(result.stderr, /copies\.mps must be auto, on or off, got 'yes'/);
  });

  it("refuses a copies.livenessIntervalSeconds that is not a duration of 1 to 300 s", () => {
    const notDuration = startWith("copies:\n  livenessIntervalSeconds: often\n");
    assert.equal(notDuration.status, 2);
    assert.match(notDuration.stderr, /copies\.livenessIntervalSeconds must be a duration such as 60, "1s"/);
    const tooShort = startWith("copies:\n  livenessIntervalSeconds: 200ms\n");
    assert.equal(tooShort.status, 2);
    assert.match(tooShort.stderr, /copies\.livenessIntervalSeconds must be between 1 s and 300 s, got 0\.2 s/);
  });
});

describe("files the copy user must read", { skip: process.getuid?.() !== 0 && "needs root" }, () => {
  it("are checked as that user, so an install it cannot read is reported at start", async () => {
    const user = userIds("berth-copy");
    const root = newDataDir();
    const sandbox = new CopySandbox(
      { ...user, describe: "berth-copy", switched: true },
      new CopyFiles(`${root}-copies`, { ...user, describe: "berth-copy", switched: true }),
      findSetpriv(),
    );
    const hidden = join(root, "hidden.js");
    writeFileSync(hidden, "");
    assert.deepEqual(await sandbox.unreadable([process.execPath, hidden]), [hidden]);
  });
});
