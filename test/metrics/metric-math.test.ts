import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { evaluateExpression, parseExpression } from "../../src/metrics/expression.js";
import { MemoryMetricsStore } from "../../src/metrics/memory-store.js";
import { runQueries, type MetricDataQuery } from "../../src/metrics/metric-data.js";
import { metricId } from "../../src/metrics/types.js";
import { TimeScale } from "../../src/util/time-scale.js";

const T0 = Date.UTC(2026, 10, 28, 1, 0, 0);

describe("metric math expressions", () => {
  const series = {
    a: { timestamps: [0, 1, 2], values: [2, 4, 6] },
    b: { timestamps: [1, 2, 3], values: [1, 0, 5] },
  };
  const lookup = (id: string) => series[id as "a" | "b"];
  const cases: [string, string, unknown][] = [
    ["adds a constant to every point", "a + 1", { timestamps: [0, 1, 2], values: [3, 5, 7] }],
    ["multiplies before it adds", "1 + a * 2", { timestamps: [0, 1, 2], values: [5, 9, 13] }],
    ["honours parentheses", "(1 + a) * 2", { timestamps: [0, 1, 2], values: [6, 10, 14] }],
    ["combines two series at the timestamps both have", "a - b", { timestamps: [1, 2], values: [3, 6] }],
    ["leaves out points divided by zero", "a / b", { timestamps: [1], values: [4] }],
    ["negates", "-a", { timestamps: [0, 1, 2], values: [-2, -4, -6] }],
    ["reads decimals and exponents", "a * 0.5e1", { timestamps: [0, 1, 2], values: [10, 20, 30] }],
  ];
  for (const [name, text, expected] of cases) {
    it(name, () => assert.deepEqual(evaluateExpression(parseExpression(text), lookup), expected));
  }

  const bad: [string, string, RegExp][] = [
    ["refuses functions", "SUM(METRICS())", /functions such as SUM\(\) are not supported/],
    ["refuses an unclosed parenthesis", "(a + b", /not closed/],
    ["refuses a dangling operator", "a +", /ends where a value was expected/],
    ["refuses unknown characters", "a % b", /unexpected '%'/],
  ];
  for (const [name, text, message] of bad) it(name, () => assert.throws(() => parseExpression(text), message));
});

describe("metric data queries", () => {
  const scale = new TimeScale(60);
  const store = new MemoryMetricsStore({ bucketMs: 10_000 });
  const errors = metricId("App", "Errors", { Service: "s" });
  const requests = metricId("App", "Requests", { Service: "s" });
  for (let minute = 0; minute < 3; minute++) {
    store.record(errors, minute, T0 + minute * 60_000);
    store.record(requests, 10, T0 + minute * 60_000);
  }
  const stat = (id: string, metric: typeof errors, returnData?: boolean): MetricDataQuery => ({
    Id: id,
    MetricStat: { Metric: { Namespace: metric.namespace, MetricName: metric.name, Dimensions: metric.dimensions }, Period: 60, Stat: "Sum" },
    ReturnData: returnData,
  });
  const window = { startMs: T0, endMs: T0 + 180_000 };

  it("returns the queries with ReturnData, computing expressions from the others", () => {
    const results = runQueries(
      store,
      [stat("e", errors, false), stat("r", requests, false), { Id: "rate", Expression: "100 * e / r", Label: "Error rate" }],
      window,
      scale,
    );
    assert.equal(results.length, 1);
    assert.equal(results[0]!.label, "Error rate");
    assert.deepEqual(results[0]!.values, [0, 10, 20]);
    assert.deepEqual(
      results[0]!.timestamps.map((t) => t - T0),
      [0, 60_000, 120_000],
    );
  });

  it("labels a metric query with its metric name unless a Label is given", () => {
    assert.equal(runQueries(store, [stat("e", errors)], window, scale)[0]!.label, "Errors");
  });

  const refused: [string, MetricDataQuery[], RegExp][] = [
    ["refuses a reference to an unknown id", [{ Id: "x", Expression: "y + 1" }], /refers to 'y'/],
    [
      "refuses references that form a cycle",
      [
        { Id: "x", Expression: "y + 1" },
        { Id: "y", Expression: "x * 2" },
      ],
      /cycle/,
    ],
    ["refuses duplicate ids", [stat("e", errors), stat("e", requests)], /used by more than one/],
    ["refuses ids that do not start with a lower-case letter", [stat("E1", errors)], /not valid/],
    ["refuses percentiles", [{ ...stat("e", errors), MetricStat: { ...stat("e", errors).MetricStat!, Stat: "p99" } }], /not percentiles/],
    [
      "refuses periods finer than the 10-second resolution",
      [{ ...stat("e", errors), MetricStat: { ...stat("e", errors).MetricStat!, Period: 5 } }],
      /multiple of 10 seconds/,
    ],
    ["refuses a query with both MetricStat and Expression", [{ ...stat("e", errors), Expression: "1" }], /exactly one of MetricStat and Expression/],
    [
      "refuses more than 500 queries in one call",
      Array.from({ length: 501 }, (_, i) => stat(`q${i}`, errors)),
      /501 MetricDataQuery structures; the most one call accepts is 500/,
    ],
  ];
  it("refuses metric math that could combine more datapoints than its limit, before reading any", () => {
    // 2,048 characters of e+e+… over a day at a 10-second period: about 17 million datapoints combined.
    const day = { startMs: T0, endMs: T0 + 86_400_000 };
    const fine = { ...stat("e", errors, false), MetricStat: { ...stat("e", errors).MetricStat!, Period: 10 } };
    const sum = (terms: number) => ({ Id: "total", Expression: Array(terms).fill("e").join("+") });
    assert.throws(
      () => runQueries(store, [fine, sum(1000)], day, new TimeScale(60)),
      (error: Error) =>
        error.name === "InvalidParameterValueException" &&
        /could combine up to 17,262,720 datapoints \(8,640 per series\), over the limit of 2,000,000/.test(error.message),
    );
    // The same sum over an hour, or a short sum over the day, is answered.
    assert.equal(runQueries(store, [fine, sum(1000)], { startMs: T0, endMs: T0 + 600_000 }, new TimeScale(60)).length, 1);
    assert.equal(runQueries(store, [fine, sum(3)], day, new TimeScale(60)).length, 1);
  });

  it("refuses queries that could read more datapoints than its limit, before reading any", () => {
    const day = { startMs: T0, endMs: T0 + 86_400_000 };
    const every10s = (id: string) => ({ ...stat(id, errors), MetricStat: { ...stat(id, errors).MetricStat!, Period: 10 } });
    assert.throws(
      () =>
        runQueries(
          store,
          Array.from({ length: 117 }, (_, i) => every10s(`q${i}`)),
          day,
          new TimeScale(60),
        ),
      (error: Error) =>
        error.name === "InvalidParameterValueException" && /could read up to 1,010,880 datapoints, over the limit of 1,008,000/.test(error.message),
    );
    assert.equal(
      runQueries(
        store,
        Array.from({ length: 116 }, (_, i) => every10s(`q${i}`)),
        day,
        new TimeScale(60),
      ).length,
      116,
    );
  });

  for (const [name, queries, message] of refused) {
    it(name, () =>
      assert.throws(
        () => runQueries(store, queries, window, scale),
        (error: Error) => error.name === "InvalidParameterValueException" && message.test(error.message),
      ),
    );
  }
});
