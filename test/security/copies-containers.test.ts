import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CopyFiles } from "../../src/agent/copy-files.js";
import { CopySandbox } from "../../src/agent/copy-sandbox.js";
import { findSetpriv } from "../../src/agent/copy-user.js";
import { containerLaunch, type LaunchContext } from "../../src/agent/images.js";
import { containerQueryArgs, parseContainerList } from "../../src/agent/leftovers.js";
import { isImageReference } from "../../src/domain/copy-launch-rules.js";

// No container engine answers on this machine, so these check the argument lists Berth hands to
// docker/podman and its reading of their `ps` output, not a running engine.

const ctx: LaunchContext = {
  copyId: "ic-a-1",
  endpointName: "ep",
  ownerName: "ic-a",
  agentLabel: "/var/lib/berth-copies",
  port: 9001,
  modelDir: "/var/lib/berth-copies/artifacts/abc",
  devices: [0, 1],
  environment: { A: "-v", B: "--privileged", C: "x y" },
  memoryLimitMiB: 512,
  cpuCores: 2,
};

describe("container copies", () => {
  for (const runtime of ["docker", "podman"] as const) {
    it(`${runtime}: the image comes after "--", and every value is joined to its option`, () => {
      const launch = containerLaunch(runtime, "registry.example.com/m:1", ctx);
      const end = launch.args.indexOf("--");
      assert.deepEqual(launch.args.slice(end), ["--", "registry.example.com/m:1", "serve"]);
      const options = launch.args.slice(1, end);
      assert.equal(launch.args[0], "run");
      assert.ok(
        options.every((o) => o === "--rm" || (o.startsWith("--") && o.includes("="))),
        `every option carries its value: ${options.join(" ")}`,
      );
      assert.ok(options.includes("--env=A=-v") && options.includes("--env=B=--privileged") && options.includes("--env=C=x y"));
      assert.ok(!options.includes("--privileged"));
      assert.deepEqual(launch.stop, { command: runtime, args: ["stop", "--time=30", "--", "berth-ic-a-1"] });
    });

    it(`${runtime}: labels name the copy, endpoint, component and agent`, () => {
      const options = containerLaunch(runtime, "m", ctx).args;
      for (const label of ["berth.copy=ic-a-1", "berth.endpoint=ep", "berth.component=ic-a", "berth.agent=/var/lib/berth-copies"]) {
        assert.ok(options.includes(`--label=${label}`), label);
      }
    });
  }

  it("a container client gets SIGTERM when the agent dies, which it passes to its container", { skip: !findSetpriv() && "setpriv is not installed" }, () => {
    const identity = { uid: 999, gid: 999, describe: "copy user", switched: true };
    const sandbox = new CopySandbox(identity, new CopyFiles("/var/lib/berth-copies", identity), findSetpriv());
    const launch = containerLaunch("docker", "m", ctx);
    const wrapped = sandbox.wrapClient(launch.command, launch.args);
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
