import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { decideTargetTracking, trackingWindows, type TargetTrackingInput } from "../../src/autoscaling/target-tracking.js";
import { TimeScale } from "../../src/util/time-scale.js";

const minute = 60_000;
const base = (overrides: Partial<TargetTrackingInput> = {}): TargetTrackingInput => ({
  policyName: "p",
  config: { TargetValue: 5, ScaleOutCooldown: 300, ScaleInCooldown: 300 },
  metricLabel: "ConcurrentRequestsPerCopy",
  windows: trackingWindows(60),
  history: [],
  capacity: { current: 2, min: 0, max: 10 },
  target: {},
  now: 100 * minute,
  scale: new TimeScale(60),
  unit: "copies",
  ...overrides,
});

describe("target tracking decisions", () => {
  const cases: { title: string; input: Partial<TargetTrackingInput>; desired: number; direction: string; reason?: RegExp; notScaled?: string }[] = [
    {
      title: "scales out in proportion once the metric stays above target for the scale-out window",
      input: { history: [6, 8, 10] },
      desired: 4,
      direction: "out",
      reason: /2 × 10 \/ 5 → 4/,
    },
    { title: "does not scale out when one period of the window is at or below target", input: { history: [8, 5, 10] }, desired: 2, direction: "none" },
    { title: "does not scale out on missing data", input: { history: [8, undefined, 10] }, desired: 2, direction: "none" },
    { title: "caps scale-out at the maximum", input: { history: [50, 50, 50], capacity: { current: 2, min: 0, max: 6 } }, desired: 6, direction: "out" },
    {
      title: "caps at the maximum a denormal target whose quotient overflows to Infinity",
      input: { history: [1e300, 1e300, 1e300], config: { TargetValue: 1e-320 }, capacity: { current: 2, min: 0, max: 6 } },
      desired: 6,
      direction: "out",
    },
    {
      title: "reports AlreadyAtMaxCapacity when at the maximum",
      input: { history: [9, 9, 9], capacity: { current: 6, min: 0, max: 6 } },
      desired: 6,
      direction: "none",
      notScaled: "AlreadyAtMaxCapacity",
    },
    {
      title: "waits out the scale-out cooldown",
      input: { history: [9, 9, 9], target: { lastScaleOutAt: 98 * minute } },
      desired: 2,
      direction: "none",
      notScaled: "CooldownInProgress",
    },
    { title: "scales out once the cooldown has passed", input: { history: [9, 9, 9], target: { lastScaleOutAt: 94 * minute } }, desired: 4, direction: "out" },
    {
      title: "scales in after the whole scale-in window is below 90% of target",
      input: { history: Array(15).fill(2) },
      desired: 1,
      direction: "in",
      reason: /below 4\.50/,
    },
    { title: "scales in to zero when the metric is zero and the minimum allows it", input: { history: Array(15).fill(0) }, desired: 0, direction: "in" },
    { title: "stops at the minimum", input: { history: Array(15).fill(0), capacity: { current: 2, min: 1, max: 10 } }, desired: 1, direction: "in" },
    {
      title: "does not scale in when one period of the window reached 90% of target",
      input: { history: [...Array(14).fill(1), 4.5] },
      desired: 2,
      direction: "none",
    },
    { title: "does not scale in when the window is shorter than 15 periods", input: { history: Array(14).fill(0) }, desired: 2, direction: "none" },
    {
      title: "respects DisableScaleIn",
      input: { history: Array(15).fill(0), config: { TargetValue: 5, DisableScaleIn: true } },
      desired: 2,
      direction: "none",
      notScaled: "ScaleInDisabled",
    },
    {
      title: "does not scale in within the scale-in cooldown of a scale-out",
      input: { history: Array(15).fill(0), target: { lastScaleOutAt: 97 * minute } },
      desired: 2,
      direction: "none",
      notScaled: "CooldownInProgress",
    },
    {
      title: "honours a suspended scale-out",
      input: { history: [9, 9, 9], target: { scaleOutSuspended: true } },
      desired: 2,
      direction: "none",
      notScaled: "ScalingSuspended",
    },
    {
      title: "cannot act at zero capacity, where a per-copy metric has no meaning",
      input: { history: [9, 9, 9], capacity: { current: 0, min: 0, max: 4 } },
      desired: 0,
      direction: "none",
      notScaled: "NoCapacityToTrack",
    },
  ];
  for (const c of cases) {
    it(c.title, () => {
      const decision = decideTargetTracking(base(c.input));
      assert.equal(decision.desired, c.desired, decision.reason);
      assert.equal(decision.direction, c.direction, decision.reason);
      if (c.reason) assert.match(decision.reason, c.reason);
      assert.equal(decision.notScaled?.code, c.notScaled);
    });
  }

  it("uses one-minute and fifteen-minute windows for 10-second high-resolution metrics", () => {
    assert.deepEqual(trackingWindows(10), { scaleOutPeriods: 6, scaleInPeriods: 90 });
    assert.deepEqual(trackingWindows(60), { scaleOutPeriods: 3, scaleInPeriods: 15 });
  });

  it("shortens cooldowns with the time scale", () => {
    const fast = new TimeScale(1);
    const decision = decideTargetTracking(base({ scale: fast, history: [9, 9, 9], target: { lastScaleOutAt: 100 * minute - 6_000 } }));
    assert.equal(decision.direction, "out", "300 API seconds last 5 real seconds at a 1 s scaling period");
  });
});

describe("target tracking while copies start", () => {
  it("sizes from the copies that produced the metric, not those still starting", () => {
    const decision = decideTargetTracking(base({ history: [8, 8, 8], capacity: { current: 4, min: 0, max: 10 }, measured: 2 }));
    assert.equal(decision.desired, 4, "2 ready copies at 8 per copy need 4 copies, which are already on their way");
    assert.equal(decision.direction, "none");
    assert.match(decision.reason, /still starting will cover it/);
  });

  it("says the load still needs the copies when a scale-in window passes above the minimum", () => {
    const decision = decideTargetTracking(base({ history: Array(15).fill(4), config: { TargetValue: 5 }, capacity: { current: 1, min: 0, max: 10 } }));
    assert.equal(decision.direction, "none");
    assert.doesNotMatch(decision.reason, /minimum/);
  });
});
