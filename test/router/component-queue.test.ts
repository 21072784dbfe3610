import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient, DescribeScalingActivitiesCommand } from "@aws-sdk/client-application-auto-scaling";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { copyOf, invoke, waitForInFlight } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { trackConcurrency } from "../support/autoscaling.js";

// One copy serves one request at a time here, so every further request waits in the router.
const config = { maxConcurrentRequestsPerCopy: 1 };

describe("requests waiting for a copy wait in one queue per component", () => {
  let berth: BerthProcess;
  let endpoint: string;
  before(async () => {
    berth = await startBerth({ config });
    endpoint = await createIcEndpoint(berth.sagemaker);
  });
  after(async () => {
    await berth.stop();
  });

  it("serves waiting requests on whichever copy frees first, so none piles up behind a slow request", async () => {
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 2 }));
    const finished: string[] = [];
    const slow = invoke(berth.runtime, endpoint, component, '{"slow":true}', "latency_ms=6000").then((r) => {
      finished.push("slow");
      return copyOf(r.customAttributes);
    });
    await waitForInFlight(berth.url, component, 1, "the slow request to reach a copy");
    const fast = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        invoke(berth.runtime, endpoint, component, `{"fast":${i}}`).then((r) => {
          finished.push(`fast-${i}`);
          return copyOf(r.customAttributes);
        }),
      ),
    );
    assert.ok(!finished.includes("slow"), "every fast request was answered while the slow one still ran");
    const slowCopy = await slow;
    assert.equal(new Set(fast).size, 1, `all fast requests went to the one free copy: ${fast.join(", ")}`);
    assert.notEqual(fast[0], slowCopy, "no fast request waited behind the slow one");
  });

  it("holds requests at zero copies and serves every one, growing the component at once for the backlog", async () => {
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { copies: 1, env: { ECHO_STARTUP_MS: "1500" } }));
    const aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
    await trackConcurrency(aas, component, 0, 3);
    await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: component, DesiredRuntimeConfig: { CopyCount: 0 } }));
    await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
        return d.RuntimeConfig?.CurrentCopyCount === 0 && d.InferenceComponentStatus === "InService" ? true : undefined;
      },
      { what: "the component to reach zero copies" },
    );

    const answers = await Promise.all(Array.from({ length: 5 }, (_, i) => invoke(berth.runtime, endpoint, component, `{"held":${i}}`)));
    assert.deepEqual(
      answers.map((a) => a.body),
      Array.from({ length: 5 }, (_, i) => `{"held":${i}}`),
      "every held request was served",
    );
    const desired = await eventually(
      async () => {
        const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component }));
        return d.RuntimeConfig?.DesiredCopyCount === 3 ? 3 : undefined;
      },
      { what: "the backlog to grow the component to its maximum of 3 copies" },
    );
    assert.equal(desired, 3);
    const activities = await aas.send(new DescribeScalingActivitiesCommand({ ServiceNamespace: "sagemaker", ResourceId: `inference-component/${component}` }));
    const causes = activities.ScalingActivities!.map((a) => a.Cause ?? "");
    assert.ok(
      causes.some((c) => /^\d+ requests waiting, more than the [12] ready and starting copies absorb/.test(c)),
      `a scaling activity names the backlog: ${causes.join(" / ")}`,
    );
  });
});
