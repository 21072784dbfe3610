import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { DescribeInferenceComponentCommand } from "@aws-sdk/client-sagemaker";
import { newDataDir, startBerth } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { placement } from "../support/placement.js";
import { eventually } from "../support/wait.js";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe("server restarts", () => {
  for (const how of ["SIGTERM", "SIGKILL"] as const) {
    it(`brings every copy back to the stored desired state after ${how}`, async () => {
      const dataDir = newDataDir();
      const first = await startBerth({ dataDir });
      const endpoint = await createIcEndpoint(first.sagemaker);
      const name = await createComponent(first.sagemaker, echoComponent(endpoint, { copies: 2, accelerators: 0 }));
      const pids = (await placement(first.url, endpoint)).flatMap((i) => i.copies).map((c) => c.pid!);
      assert.equal(pids.length, 2);
      if (how === "SIGTERM") assert.equal(await first.stop(), 0);
      else await first.kill();
      await eventually(async () => (pids.every((pid) => !alive(pid)) ? true : undefined), { what: "the old copies to exit with their server" });

      const second = await startBerth({ dataDir });
      try {
        const ic = await eventually(async () => {
          const d = await second.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
          return d.RuntimeConfig!.CurrentCopyCount === 2 ? d : undefined;
        });
        assert.equal(ic.InferenceComponentStatus, "InService");
        const answer = await invoke(second.runtime, endpoint, name, "after restart");
        assert.equal(answer.body, "after restart");
        const copies = (await placement(second.url, endpoint)).flatMap((i) => i.copies);
        assert.deepEqual(copies.map((c) => c.copyId).sort(), [`${name}-1`, `${name}-2`], "the same copies, not new ones");
      } finally {
        await second.stop();
      }
    });
  }
});
