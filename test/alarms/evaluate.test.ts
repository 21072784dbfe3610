import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateAlarm, type EvaluationConfig } from "../../src/alarms/evaluate.js";
import type { AlarmState } from "../../src/alarms/types.js";

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);
const minute = 60_000;

/** "X" breaches GreaterThanOrEqualToThreshold 1 (value 5), "0" does not (value 0), "-" is missing. */
function points(pattern: string) {
  return pattern.split(" ").map((p, i) => (p === "-" ? undefined : { timestamp: T0 + i * minute, value: p === "X" ? 5 : p === "0" ? 0 : Number(p) }));
}

interface Case {
  name: string;
  pattern: string;
  previous?: AlarmState;
  config?: Partial<EvaluationConfig>;
  state: AlarmState;
  reason?: string | RegExp;
}

const base: EvaluationConfig = { ComparisonOperator: "GreaterThanOrEqualToThreshold", Threshold: 1, EvaluationPeriods: 1, Statistic: "Sum", Period: 60 };

const cases: Case[] = [
  {
    name: "one breaching datapoint out of one sets ALARM, with CloudWatch's reason",
    pattern: "X",
    previous: "OK",
    state: "ALARM",
    reason:
      "Threshold Crossed: 1 out of the last 1 datapoints [5.0 (28/11/26 01:00:00)] was greater than or equal to the threshold (1.0) (minimum 1 datapoint for OK -> ALARM transition).",
  },
  {
    name: "one datapoint within the threshold sets OK",
    pattern: "0",
    previous: "ALARM",
    state: "OK",
    reason:
      "Threshold Crossed: 1 out of the last 1 datapoints [0.0 (28/11/26 01:00:00)] was not greater than or equal to the threshold (1.0) (minimum 1 datapoint for ALARM -> OK transition).",
  },
  {
    name: "GreaterThanThreshold does not breach at the threshold itself",
    pattern: "1",
    config: { ComparisonOperator: "GreaterThanThreshold" },
    state: "OK",
    reason: /was not greater than the threshold/,
  },
  { name: "GreaterThanOrEqualToThreshold breaches at the threshold itself", pattern: "1", state: "ALARM" },
  {
    name: "LessThanThreshold breaches below the threshold",
    pattern: "0",
    config: { ComparisonOperator: "LessThanThreshold" },
    state: "ALARM",
    reason: /was less than the threshold \(1\.0\)/,
  },
  { name: "LessThanThreshold does not breach at the threshold", pattern: "1", config: { ComparisonOperator: "LessThanThreshold" }, state: "OK" },
  { name: "LessThanOrEqualToThreshold breaches at the threshold", pattern: "1", config: { ComparisonOperator: "LessThanOrEqualToThreshold" }, state: "ALARM" },
  {
    name: "two of three breaching datapoints are enough when DatapointsToAlarm is 2",
    pattern: "X 0 X",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 2 },
    state: "ALARM",
  },
  {
    name: "one of three breaching datapoints is not enough when DatapointsToAlarm is 2",
    pattern: "X 0 0",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 2 },
    state: "OK",
    reason: /minimum 2 datapoints for INSUFFICIENT_DATA -> OK/,
  },
  { name: "DatapointsToAlarm defaults to EvaluationPeriods", pattern: "X X 0", config: { EvaluationPeriods: 3 }, state: "OK" },
  {
    name: "every period breaching sets ALARM when M equals N",
    pattern: "X X X",
    config: { EvaluationPeriods: 3 },
    state: "ALARM",
    reason: /3 out of the last 3 datapoints \[.*\] were greater/,
  },
  // missing (the default)
  {
    name: "missing data everywhere is INSUFFICIENT_DATA by default",
    pattern: "- - -",
    previous: "ALARM",
    config: { EvaluationPeriods: 3 },
    state: "INSUFFICIENT_DATA",
    reason: "Insufficient Data: 3 datapoints were unknown.",
  },
  {
    name: "missing periods do not count, so one breach among them alarms at M=1",
    pattern: "- X -",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 1 },
    state: "ALARM",
  },
  { name: "missing periods do not count towards M, so two breaches of 3-of-3 are OK", pattern: "X X -", config: { EvaluationPeriods: 3 }, state: "OK" },
  {
    name: "explicit missing treatment behaves as the default",
    pattern: "-",
    previous: "OK",
    config: { TreatMissingData: "missing" },
    state: "INSUFFICIENT_DATA",
    reason: "Insufficient Data: 1 datapoint was unknown.",
  },
  // breaching
  {
    name: "missing data treated as breaching alarms",
    pattern: "-",
    previous: "OK",
    config: { TreatMissingData: "breaching" },
    state: "ALARM",
    reason:
      "Threshold Crossed: no datapoints were received for 1 period and 1 missing datapoint was treated as [Breaching] (minimum 1 datapoint for OK -> ALARM transition).",
  },
  {
    name: "missing periods treated as breaching add up with real breaches",
    pattern: "X - 0",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: "breaching" },
    state: "ALARM",
    reason: /\[5\.0 \(28\/11\/26 01:00:00\)\] was greater than or equal to the threshold \(1\.0\) and 1 missing datapoint was treated as \[Breaching\]/,
  },
  // notBreaching
  {
    name: "missing data treated as not breaching is OK",
    pattern: "- -",
    previous: "ALARM",
    config: { EvaluationPeriods: 2, TreatMissingData: "notBreaching" },
    state: "OK",
    reason: /treated as \[NonBreaching\]/,
  },
  {
    name: "missing periods treated as not breaching never complete M",
    pattern: "X - -",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: "notBreaching" },
    state: "OK",
  },
  // ignore
  {
    name: "ignore keeps ALARM when every period is missing",
    pattern: "- -",
    previous: "ALARM",
    config: { EvaluationPeriods: 2, TreatMissingData: "ignore" },
    state: "ALARM",
    reason: /Missing data ignored/,
  },
  { name: "ignore keeps OK when every period is missing", pattern: "-", previous: "OK", config: { TreatMissingData: "ignore" }, state: "OK" },
  {
    name: "ignore keeps the state while the missing periods could still decide",
    pattern: "X X -",
    previous: "OK",
    config: { EvaluationPeriods: 3, TreatMissingData: "ignore" },
    state: "OK",
  },
  {
    name: "ignore leaves ALARM when the data present rules ALARM out",
    pattern: "0 - -",
    previous: "ALARM",
    config: { EvaluationPeriods: 3, TreatMissingData: "ignore" },
    state: "OK",
  },
  {
    name: "ignore alarms when the data present reaches M",
    pattern: "X - X",
    previous: "OK",
    config: { EvaluationPeriods: 3, DatapointsToAlarm: 2, TreatMissingData: "ignore" },
    state: "ALARM",
  },
  {
    name: "ignore stays INSUFFICIENT_DATA on a new alarm with no data",
    pattern: "-",
    previous: "INSUFFICIENT_DATA",
    config: { TreatMissingData: "ignore" },
    state: "INSUFFICIENT_DATA",
  },
];

describe("alarm evaluation", () => {
  for (const c of cases) {
    it(c.name, () => {
      const result = evaluateAlarm({ ...base, ...c.config }, points(c.pattern), c.previous ?? "INSUFFICIENT_DATA", T0 + 10 * minute);
      assert.equal(result.state, c.state);
      if (typeof c.reason === "string") assert.equal(result.reason, c.reason);
      else if (c.reason) assert.match(result.reason, c.reason);
    });
  }

  it("lists the breaching datapoints newest first and aggregates their values for step scaling", () => {
    const result = evaluateAlarm({ ...base, EvaluationPeriods: 3, DatapointsToAlarm: 2 }, points("3 0 5"), "OK", T0 + 3 * minute);
    assert.equal(
      result.reason,
      "Threshold Crossed: 2 out of the last 3 datapoints [5.0 (28/11/26 01:02:00), 3.0 (28/11/26 01:00:00)] were greater than or equal to the threshold (1.0) (minimum 2 datapoints for OK -> ALARM transition).",
    );
    assert.deepEqual(result.value, { Average: 4, Minimum: 3, Maximum: 5 });
  });

  it("aggregates the datapoints within the threshold for OK, and nothing for INSUFFICIENT_DATA", () => {
    assert.deepEqual(evaluateAlarm(base, points("0.25"), "ALARM", T0).value, { Average: 0.25, Minimum: 0.25, Maximum: 0.25 });
    assert.equal(evaluateAlarm(base, points("-"), "ALARM", T0).value, undefined);
  });

  it("writes StateReasonData as CloudWatch lays it out, giving missing periods their timestamps", () => {
    const result = evaluateAlarm(
      { ...base, EvaluationPeriods: 2 },
      [undefined, { timestamp: T0 + minute, value: 7, sampleCount: 3 }],
      "OK",
      T0 + 2 * minute + 500,
      { startMs: T0, periodMs: minute },
    );
    assert.deepEqual(JSON.parse(result.reasonData), {
      version: "1.0",
      queryDate: "2026-11-28T01:02:00.500+0000",
      startDate: "2026-11-28T01:00:00.000+0000",
      statistic: "Sum",
      period: 60,
      recentDatapoints: [7],
      threshold: 1,
      evaluatedDatapoints: [{ timestamp: "2026-11-28T01:01:00.000+0000", sampleCount: 3, value: 7 }, { timestamp: "2026-11-28T01:00:00.000+0000" }],
    });
  });
});
