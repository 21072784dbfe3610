import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { latestRun, nextRun, parseSchedule, type Schedule } from "../../src/autoscaling/schedule.js";
import { TimeScale } from "../../src/util/time-scale.js";
import { zoneOffset } from "../../src/util/time-zones.js";

const utc = Date.parse;

function schedule(expression: string): Schedule {
  const parsed = parseSchedule(expression);
  assert.ok(parsed.ok, `${expression}: ${parsed.ok ? "" : parsed.problem}`);
  return parsed.schedule;
}

function problem(expression: string): string {
  const parsed = parseSchedule(expression);
  assert.ok(!parsed.ok, `${expression} should be refused`);
  return parsed.problem;
}

/** The next n runs after an instant, as ISO strings in UTC. */
function runs(expression: string, from: string, n: number, zone = "UTC"): string[] {
  const s = schedule(expression);
  const out: string[] = [];
  let after = utc(from);
  for (let i = 0; i < n; i++) {
    const t = nextRun(s, after, zoneOffset(zone));
    if (t === undefined) break;
    out.push(new Date(t).toISOString().replace(".000", ""));
    after = t;
  }
  return out;
}

describe("schedule expressions as Application Auto Scaling reads them", () => {
  it("refuses malformed at(), rate() and cron() expressions, with the reason", () => {
    assert.match(problem("rate(1 minutes)"), /singular unit/);
    assert.match(problem("rate(5 minute)"), /plural unit/);
    assert.match(problem("rate(0 minutes)"), /positive/);
    assert.match(problem("rate(5 weeks)"), /minute\(s\), hour\(s\) or day\(s\)/);
    assert.match(problem("at(2026-02-30T00:00:00)"), /no valid date/);
    assert.match(problem("at(2026-02-03 00:00:00)"), /yyyy-mm-ddThh:mm:ss/);
    assert.match(problem("cron(0 9 * * ?)"), /6 fields/);
    assert.match(problem("cron(0 9 * * MON *)"), /must be \?/);
    assert.match(problem("cron(0 9 ? * ? *)"), /only one/);
    assert.match(problem("cron(60 9 * * ? *)"), /Minutes value '60' is out of range/);
    assert.match(problem("cron(0 9 ? * 0 *)"), /Day-of-week value '0' is out of range/);
    assert.match(problem("cron(0 9 * * ? 2300)"), /Year value/);
    assert.match(problem("cron(0 9-5 * * ? *)"), /runs backwards/);
    assert.match(problem("every day"), /use at\(/);
  });

  it("runs a weekday-morning cron at 9:00 New York time, across the spring DST change", () => {
    // 2027-03-14 is the Sunday clocks go forward in New York: 9:00 is 14:00 UTC before it and 13:00 after.
    assert.deepEqual(runs("cron(0 9 ? * MON-FRI *)", "2027-03-11T00:00:00Z", 4, "America/New_York"), [
      "2027-03-11T14:00:00Z",
      "2027-03-12T14:00:00Z",
      "2027-03-15T13:00:00Z",
      "2027-03-16T13:00:00Z",
    ]);
  });

  it("skips a local time the DST change leaves out, and runs a repeated one once", () => {
    // 02:30 does not exist in New York on 2027-03-14; 01:30 happens twice on 2026-11-01 and runs at the first.
    assert.deepEqual(runs("cron(30 2 * * ? *)", "2027-03-13T00:00:00Z", 2, "America/New_York"), ["2027-03-13T07:30:00Z", "2027-03-15T06:30:00Z"]);
    assert.deepEqual(runs("cron(30 1 * * ? *)", "2026-10-31T12:00:00Z", 2, "America/New_York"), ["2026-11-01T05:30:00Z", "2026-11-02T06:30:00Z"]);
  });

  it("reads L, W and # in the day fields", () => {
    assert.deepEqual(runs("cron(0 0 L * ? *)", "2028-01-15T00:00:00Z", 2), ["2028-01-31T00:00:00Z", "2028-02-29T00:00:00Z"]);
    // 2026-08-15 is a Saturday: 15W is Friday the 14th. 2026-08-01 is a Saturday: 1W is Monday the 3rd.
    assert.deepEqual(runs("cron(0 0 15W 8 ? 2026)", "2026-01-01T00:00:00Z", 1), ["2026-08-14T00:00:00Z"]);
    assert.deepEqual(runs("cron(0 0 1W 8 ? 2026)", "2026-01-01T00:00:00Z", 1), ["2026-08-03T00:00:00Z"]);
    // 2026-10-31 is a Saturday: LW is Friday the 30th.
    assert.deepEqual(runs("cron(0 0 LW 10 ? 2026)", "2026-01-01T00:00:00Z", 1), ["2026-10-30T00:00:00Z"]);
    // The second Tuesday (3#2) and the last Friday (6L) of each month.
    assert.deepEqual(runs("cron(0 12 ? * 3#2 *)", "2026-12-01T00:00:00Z", 2), ["2026-12-08T12:00:00Z", "2027-01-12T12:00:00Z"]);
    assert.deepEqual(runs("cron(0 12 ? * FRIL *)", "2026-12-01T00:00:00Z", 2), ["2026-12-25T12:00:00Z", "2027-01-29T12:00:00Z"]);
  });

  it("reads ranges, lists, steps, names and the year field", () => {
    assert.deepEqual(runs("cron(0/20 8,17 ? JAN-MAR SAT 2027)", "2026-12-31T00:00:00Z", 4), [
      "2027-01-02T08:00:00Z",
      "2027-01-02T08:20:00Z",
      "2027-01-02T08:40:00Z",
      "2027-01-02T17:00:00Z",
    ]);
    assert.deepEqual(runs("cron(0 0 1 1 ? 2030,2032)", "2026-12-05T00:00:00Z", 3), ["2030-01-01T00:00:00Z", "2032-01-01T00:00:00Z"]);
  });

  it("reads at() in its time zone", () => {
    assert.deepEqual(runs("at(2026-12-24T18:00:00)", "2026-12-01T00:00:00Z", 2, "Europe/Berlin"), ["2026-12-24T17:00:00Z"]);
  });

  it("runs only the latest missed run, and only between StartTime and EndTime", () => {
    const every = schedule("rate(1 hour)");
    const window = { after: utc("2026-12-05T00:00:00Z"), offset: zoneOffset("UTC"), rateOrigin: utc("2026-12-05T00:00:00Z") };
    // Down from 00:00 to 05:30: the five missed runs come to one, at 05:00.
    assert.equal(latestRun(every, { ...window, upTo: utc("2026-12-05T05:30:00Z") }), utc("2026-12-05T05:00:00Z"));
    assert.equal(latestRun(every, { ...window, upTo: utc("2026-12-05T00:59:59Z") }), undefined);
    assert.equal(latestRun(every, { ...window, upTo: utc("2026-12-05T05:30:00Z"), end: utc("2026-12-05T03:30:00Z") }), utc("2026-12-05T03:00:00Z"));
    // With a StartTime the rate counts from it.
    assert.equal(latestRun(every, { ...window, upTo: utc("2026-12-05T05:30:00Z"), start: utc("2026-12-05T04:15:00Z") }), utc("2026-12-05T05:15:00Z"));
    assert.equal(latestRun(every, { ...window, upTo: utc("2026-12-05T05:30:00Z"), start: utc("2026-12-05T06:00:00Z") }), undefined);
    const nightly = schedule("cron(0 22 * * ? *)");
    assert.equal(latestRun(nightly, { ...window, upTo: utc("2026-12-09T12:00:00Z") }), utc("2026-12-08T22:00:00Z"));
    assert.equal(latestRun(nightly, { ...window, after: utc("2026-12-08T22:00:00Z"), upTo: utc("2026-12-09T12:00:00Z") }), undefined);
  });

  it("runs the schedule clock 60 times as fast under a 1 s scaling period, from when the action was put", () => {
    const scale = new TimeScale(1);
    assert.equal(scale.scheduleTime(1_000_000 + 1000, 1_000_000), 1_000_000 + 60_000);
  });
});
