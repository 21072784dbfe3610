import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CopyFiles } from "../../src/agent/copy-files.js";
import { CopySandbox } from "../../src/agent/copy-sandbox.js";
import { findSetpriv } from "../../src/agent/copy-user.js";
import type { ContainerEngine } from "../../src/containers/engine.js";
import { containerQueryArgs, parseContainerList } from "../../src/containers/leftovers.js";
import { containerRunArgs, environmentFile, type ContainerRunContext } from "../../src/containers/run-command.js";
import { isImageReference } from "../../src/domain/copy-launch-rules.js";

// The argument lists Berth hands to docker/podman, and its reading of their output; test/containers/
// runs real podman containers.

const ctx: ContainerRunContext = {
  copyId: "ic-a-1",
  endpointName: "ep",
  ownerName: "ic-a",
  agentLabel: "/var/lib/berth-copies",
  hostPort: 9001,
  modelDir: "/var/lib/berth-copies/artifacts/abc",
  devices: [{ index: 0 }, { index: 1 }],
  memoryLimitMiB: 512,
  cpuCores: 2,
  envFile: "/var/lib/berth-copies/container-env/berth-ic-a-1.env",
  inlineEnvironment: { MULTI: "line one\nline two" },
  operatorArgs: [],
};

const engine = (kind: "docker" | "podman"): ContainerEngine => ({ kind, version: "test", hostRunArgs: [], workarounds: [] });

describe("container copies", () => {
  for (const kind of ["docker", "podman"] as const) {
    it(`${kind}: the image comes after "--", and every value is joined to its option`, () => {
      const args = containerRunArgs(engine(kind), "registry.example.com/m:1", ctx);
      const end = args.indexOf("--");
      assert.deepEqual(args.slice(end), ["--", "registry.example.com/m:1", "serve"]);
      const options = args.slice(1, end);
      assert.equal(args[0], "run");
      assert.ok(
        options.every((o) => ["--rm", "--init"].includes(o) || (o.startsWith("--") && o.includes("="))),
        `every option carries its value: ${options.join(" ")}`,
      );
      assert.ok(options.includes("--env=MULTI=line one\nline two"));
      assert.ok(!options.includes("--privileged"));
      assert.ok(options.includes("--publish=127.0.0.1:9001:8080"), "the host port is published to the contract's 8080");
    });

    it(`${kind}: labels name the copy, endpoint, component and agent`, () => {
      const options = containerRunArgs(engine(kind), "m", ctx);
      for (const label of ["berth.copy=ic-a-1", "berth.endpoint=ep", "berth.component=ic-a", "berth.agent=/var/lib/berth-copies"]) {
        assert.ok(options.includes(`--label=${label}`), label);
      }
    });
  }

  it("podman gets the copy's GPUs through CDI, docker through --gpus", () => {
    assert.deepEqual(
      containerRunArgs(engine("podman"), "m", ctx).filter((a) => a.startsWith("--device")),
      ["--device=nvidia.com/gpu=0", "--device=nvidia.com/gpu=1"],
    );
    assert.ok(containerRunArgs(engine("docker"), "m", ctx).includes('--gpus="device=0,1"'));
  });

  it("a MIG instance goes to docker by its UUID and to podman by its CDI name", () => {
    const mig = { ...ctx, devices: [{ index: 8, uuid: "MIG-11111111-2222-3333-4444-555555555555", mig: { gpu: 0, device: 1 } }] };
    assert.ok(containerRunArgs(engine("docker"), "m", mig).includes('--gpus="device=MIG-11111111-2222-3333-4444-555555555555"'));
    assert.deepEqual(
      containerRunArgs(engine("podman"), "m", mig).filter((a) => a.startsWith("--device")),
      ["--device=nvidia.com/gpu=0:1"],
    );
  });

  it("environment values travel in a file, not on a command line other users can read", () => {
    const { text, inline } = environmentFile({ A: "-v", B: "--privileged", C: "x y", SECRET: "s3cr=t", MULTI: "a\nb", "bad name": "x" });
    assert.equal(text, "A=-v\nB=--privileged\nC=x y\nSECRET=s3cr=t\n");
    assert.deepEqual(inline, { MULTI: "a\nb", "bad name": "x" });
  });

  it("a container client gets SIGTERM when the agent dies, which it passes to its container", { skip: !findSetpriv() && "setpriv is not installed" }, () => {
    const identity = { uid: 999, gid: 999, describe: "copy user", switched: true };
    const sandbox = new CopySandbox(identity, new CopyFiles("/var/lib/berth-copies", identity), findSetpriv());
    const wrapped = sandbox.wrapClient("docker", containerRunArgs(engine("docker"), "m", ctx));
    assert.equal(wrapped.command, findSetpriv());
    assert.deepEqual(wrapped.args.slice(0, 3), ["--pdeathsig=TERM", "--", "docker"]);
    assert.ok(!wrapped.args.some((a) => a.startsWith("--reuid")), "the client keeps the server's user, which may reach the engine");
  });

  it("a leftover query lists this agent's containers by label, running or not", () => {
    assert.deepEqual(containerQueryArgs("/var/lib/berth-copies"), [
      "ps",
      "--all",
      "--no-trunc",
      "--filter=label=berth.agent=/var/lib/berth-copies",
      "--format={{.ID}}\t{{.Names}}",
    ]);
  });

  it("reads ids and names from ps output and ignores anything else", () => {
    const id = "4f1e2d3c4b5a69788796a5b4c3d2e1f00112233445566778899aabbccddeeff";
    const out = `${id}\tberth-ic-a-1\n\n0123456789ab\tberth-ic-b-2\nWARNING: something\n`;
    assert.deepEqual(parseContainerList(out), [
      { id, name: "berth-ic-a-1" },
      { id: "0123456789ab", name: "berth-ic-b-2" },
    ]);
    assert.deepEqual(parseContainerList(""), []);
  });

  it("accepts image references and nothing that could be read as an option", () => {
    for (const ok of [
      "berth/echo",
      "x",
      "test/env:latest",
      "registry.example.com:5000/team/model:1.0",
      "123456789012.dkr.ecr.us-east-1.amazonaws.com/m@sha256:" + "a".repeat(64),
    ]) {
      assert.ok(isImageReference(ok), ok);
    }
    for (const bad of ["--privileged", "-v", "a b", "a\tb", "a\u0000b", "", "Upper", "team/Model", "repo:", ":tag", "a/-b", "x".repeat(256)]) {
      assert.ok(!isImageReference(bad), JSON.stringify(bad));
    }
  });
});
