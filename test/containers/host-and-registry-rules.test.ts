import assert from "node:assert/strict";
import { chmodSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Writable } from "node:stream";
import { describe, it } from "node:test";
import { pino } from "pino";
import { ConfigError } from "../../src/config/errors.js";
import { checkContainers } from "../../src/config/containers.js";
import { hardLimit, hasSysResourceCapability, hybridCgroups } from "../../src/containers/host-limits.js";
import { registryAllowed, registryOf } from "../../src/containers/image-reference.js";
import { checkRegistryAuthFile } from "../../src/containers/registry-auth.js";
import { tempDir } from "../support/temp-dir.js";

/** A logger whose messages the test reads back. */
function capturingLogger() {
  const messages: string[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      messages.push(String(JSON.parse(String(chunk)).msg));
      done();
    },
  });
  return { log: pino({ level: "info" }, sink), messages };
}

describe("where images may be pulled from", () => {
  it("reads the registry from an image reference, Docker Hub when it names none", () => {
    assert.equal(registryOf("ghcr.io/huggingface/text-generation-inference:2.4"), "ghcr.io");
    assert.equal(registryOf("127.0.0.1:5000/team/model:1"), "127.0.0.1:5000");
    assert.equal(registryOf("localhost/berth-example:v1"), "localhost");
    assert.equal(registryOf("vllm/vllm-openai:latest"), "docker.io");
    assert.equal(registryOf("nginx"), "docker.io");
  });

  it("pulls only from registries the config allows", () => {
    const ecr = "763104351884.dkr.ecr.us-east-1.amazonaws.com";
    assert.ok(registryAllowed(ecr, ["*.dkr.ecr.us-east-1.amazonaws.com"]));
    assert.ok(!registryAllowed(ecr, ["*.dkr.ecr.us-west-2.amazonaws.com"]));
    assert.ok(registryAllowed("127.0.0.1:5000", ["127.0.0.1:5000"]));
    assert.ok(!registryAllowed("127.0.0.1:5001", ["127.0.0.1:5000"]));
    assert.ok(registryAllowed("docker.io", ["*"]));
    assert.ok(!registryAllowed("docker.io", []), "nothing is pulled by default");
  });

  it("refuses settings it cannot use, saying what is expected", () => {
    assert.throws(
      () => checkContainers({ engine: "rkt" }),
      (e: Error) => e instanceof ConfigError && /engine must be one of auto, podman, docker, none/.test(e.message),
    );
    assert.throws(() => checkContainers({ allowedRegistries: ["https://x"] }), /not a registry host/);
    assert.throws(() => checkContainers({ registryAuthFile: "/etc/berth/auth.json", engine: "docker" }), /must be named config.json for docker/);
    assert.throws(() => checkContainers({ pull: true }), /unknown setting 'pull'/);
    assert.deepEqual(checkContainers(undefined), { engine: "auto", allowedRegistries: [], registryAuthFile: undefined, runArgs: [] });
  });
});

describe("what this host allows a container", () => {
  it("reads hard limits and the CAP_SYS_RESOURCE capability", () => {
    const limits =
      "Limit                     Soft Limit           Hard Limit           Units\nMax processes             96367                96367                processes\nMax open files            1024                 20000                files\nMax locked memory         unlimited            unlimited            bytes\n";
    assert.equal(hardLimit("Max open files", limits), 20000);
    assert.equal(hardLimit("Max processes", limits), 96367);
    assert.equal(hardLimit("Max locked memory", limits), undefined);
    assert.equal(hasSysResourceCapability("CapEff:\t000001fffeffffff\n"), false);
    assert.equal(hasSysResourceCapability("CapEff:\t000001ffffffffff\n"), true);
  });

  it("tells hybrid cgroups (which crun refuses) from pure v1 or v2", () => {
    const line = (type: string) => `30 25 0:26 / /sys/fs/cgroup/x rw - ${type} ${type} rw`;
    assert.equal(hybridCgroups([line("cgroup"), line("cgroup2")].join("\n")), true);
    assert.equal(hybridCgroups([line("cgroup"), line("tmpfs")].join("\n")), false);
    assert.equal(hybridCgroups(line("cgroup2")), false);
  });
});

describe("the registry credentials file", () => {
  const dir = tempDir("berth-registry-auth-");
  const write = (name: string, text: string, mode: number) => {
    const file = join(dir, name);
    writeFileSync(file, text);
    chmodSync(file, mode);
    return file;
  };

  it("names the registries it holds credentials for", async () => {
    const { log, messages } = capturingLogger();
    await checkRegistryAuthFile(write("good.json", JSON.stringify({ auths: { "registry.example.com": { auth: "dXNlcjpwdw==" } } }), 0o600), log);
    assert.deepEqual(messages, [`registry credentials from ${join(dir, "good.json")} for registry.example.com`]);
  });

  it("warns, saying what to do, when the file is readable by others, missing or not in docker's format", async () => {
    const { log, messages } = capturingLogger();
    await checkRegistryAuthFile(write("open.json", JSON.stringify({ auths: {} }), 0o644), log);
    await checkRegistryAuthFile(join(dir, "missing.json"), log);
    await checkRegistryAuthFile(write("broken.json", "auths: yes", 0o600), log);
    await checkRegistryAuthFile(write("other.json", JSON.stringify({ credsStore: "desktop" }), 0o600), log);
    assert.match(messages[0]!, /can be read by other users \(mode 644\): chmod 600 it/);
    assert.ok(messages.some((m) => /cannot read the registry credentials file .*missing\.json.*pulls will go without credentials/.test(m)));
    assert.ok(messages.some((m) => /broken\.json is not JSON; write it in docker's config\.json format/.test(m)));
    assert.ok(messages.some((m) => /other\.json has no "auths" mapping/.test(m)));
  });
});
