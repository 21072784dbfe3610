import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CloudWatchClient, PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { pino } from "pino";
import { Registry } from "prom-client";
import { Controllers, type Controller } from "../../src/controllers/runtime/controllers.js";
import { againAfter, done, TerminalError, type PassOutcome } from "../../src/controllers/runtime/outcome.js";
import type { WorkQueue } from "../../src/controllers/runtime/work-queue.js";
import { StoreConflictError } from "../../src/store/store.js";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch } from "../support/http.js";
import { createIcEndpoint } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";
import { ManualClock } from "../metrics/manual-clock.js";

/** A controller whose passes answer from a script, recording every key it reconciled. */
class Scripted implements Controller {
  readonly name = "scripted";
  readonly passes: string[] = [];
  queue?: WorkQueue;
  constructor(readonly answer: (key: string, pass: number) => PassOutcome | Promise<PassOutcome>) {}
  async begin(queue: WorkQueue): Promise<() => void> {
    this.queue = queue;
    return () => undefined;
  }
  async reconcile(key: string): Promise<PassOutcome> {
    this.passes.push(key);
    return this.answer(key, this.passes.length);
  }
}

async function runtime(answer: (key: string, pass: number) => PassOutcome | Promise<PassOutcome>) {
  const clock = new ManualClock();
  const lines: Record<string, unknown>[] = [];
  const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line)) });
  const registry = new Registry();
  const controller = new Scripted(answer);
  const controllers = new Controllers({ clock, log, registry }, [controller]);
  await controllers.start();
  const queue = controller.queue!;
  return { clock, lines, registry, controller, controllers, queue };
}

const conflict = () => new StoreConflictError("copy", "ep/1", { absent: true });

describe("the reconcile runtime", () => {
  it("runs a key queued several times while it waits once", async () => {
    let release!: () => void;
    const busy = new Promise<void>((resolve) => (release = resolve));
    const t = await runtime(async (key) => {
      if (key === "busy") await busy;
      return done;
    });
    t.queue.enqueue("busy");
    t.queue.enqueue("a");
    t.queue.enqueue("a");
    t.queue.enqueue("b");
    t.queue.enqueue("a");
    release();
    await t.controllers.idle();
    assert.deepEqual(t.controller.passes, ["busy", "a", "b"]);
    await t.controllers.stop();
  });

  it("looks again after the delay a pass asks for, on the injected clock", async () => {
    const t = await runtime((_key, pass) => (pass === 1 ? againAfter(5_000) : done));
    t.queue.enqueue("a");
    await t.controllers.idle();
    t.clock.advance(4_999);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 1);
    t.clock.advance(1);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 2);
    await t.controllers.stop();
  });

  it("retries a failed pass with growing backoff, and a conflict at once", async () => {
    const t = await runtime((key, pass) => {
      if (key === "c" && pass <= 2) throw conflict();
      if (key === "r" && pass <= 4) throw new Error("disk hiccup");
      return done;
    });
    t.queue.enqueue("c");
    await t.controllers.idle();
    assert.deepEqual(t.controller.passes, ["c", "c", "c"], "a conflict runs the pass again from a fresh read, without waiting");
    t.controller.passes.length = 0;
    t.queue.enqueue("r");
    await t.controllers.idle();
    t.clock.advance(100);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 2, "first retry after 100 ms");
    t.clock.advance(199);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 2, "the second waits 200 ms");
    t.clock.advance(1);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 3);
    assert.ok(t.lines.some((l) => l.level === 40 && l.key === "r" && /failed; retrying/.test(String(l.msg))));
    await t.controllers.stop();
  });

  it("does not retry a terminal failure, logs it once with the resource, and runs the key again when it is queued", async () => {
    const t = await runtime(() => {
      throw new TerminalError("target x names no resource");
    });
    t.queue.enqueue("x");
    await t.controllers.idle();
    t.clock.advance(60_000);
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 1, "not retried");
    t.queue.enqueue("x");
    await t.controllers.idle();
    assert.equal(t.controller.passes.length, 2, "queued again, it runs again");
    const warnings = t.lines.filter((l) => l.level === 40);
    assert.equal(warnings.length, 1, "the same failure is logged once");
    assert.equal(warnings[0]!.key, "x");
    assert.match(String(warnings[0]!.msg), /target x names no resource/);
    await t.controllers.stop();
  });

  it("counts passes by controller and outcome, and times them", async () => {
    const t = await runtime((key) => {
      if (key === "bad") throw new TerminalError("no");
      return key === "later" ? againAfter(1_000) : done;
    });
    for (const key of ["ok", "later", "bad"]) t.queue.enqueue(key);
    await t.controllers.idle();
    const text = await t.registry.metrics();
    for (const outcome of ["done", "again", "terminal"])
      assert.match(text, new RegExp(`berth_controller_passes_total\\{controller="scripted",outcome="${outcome}"\\} 1`));
    assert.match(text, /berth_controller_pass_duration_seconds_count\{controller="scripted"\} 3/);
    await t.controllers.stop();
  });

  it("starts and stops every controller as one unit; a stopped unit runs nothing", async () => {
    const t = await runtime(() => againAfter(1_000));
    t.queue.enqueue("a");
    await t.controllers.idle();
    await t.controllers.stop();
    assert.equal(t.controllers.running, false);
    t.queue.enqueue("b");
    t.clock.advance(10_000);
    await t.controllers.idle();
    assert.deepEqual(t.controller.passes, ["a"], "neither the timer nor a new key runs a pass once stopped");
    await t.controllers.start();
    t.controller.queue!.enqueue("b");
    await t.controllers.idle();
    assert.deepEqual(t.controller.passes, ["a", "b"]);
    await t.controllers.stop();
  });
});

describe("controller metrics of a running server", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 0.5 } });
  });
  after(() => berth?.stop());

  it("exports each controller's passes and pass durations at GET /metrics", async () => {
    const options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
    const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.xlarge" });
    await new ApplicationAutoScalingClient(options).send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "sagemaker",
        ResourceId: `endpoint/${endpoint}/variant/AllTraffic`,
        ScalableDimension: "sagemaker:variant:DesiredInstanceCount",
        MinCapacity: 1,
        MaxCapacity: 1,
      }),
    );
    await new CloudWatchClient(options).send(
      new PutMetricAlarmCommand({
        AlarmName: "metrics-test",
        Namespace: "Test/Runtime",
        MetricName: "Unwritten",
        Statistic: "Sum",
        Period: 60,
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: "GreaterThanOrEqualToThreshold",
      }),
    );
    const text = await eventually(
      async () => {
        const body = await (await berthFetch(`${berth.url}/metrics`)).text();
        const all = ["endpoints", "autoscaling", "alarms"].every((c) =>
          new RegExp(`berth_controller_passes_total\\{controller="${c}",outcome="\\w+"\\} \\d+`).test(body),
        );
        return all ? body : undefined;
      },
      { what: "passes of the endpoints, autoscaling and alarms controllers in /metrics" },
    );
    assert.match(text, /# TYPE berth_controller_pass_duration_seconds histogram/);
    assert.match(text, /berth_controller_pass_duration_seconds_count\{controller="endpoints"\} [1-9]/);
  });
});
