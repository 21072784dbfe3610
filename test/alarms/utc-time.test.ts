import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { formatTime } from "../../src/alarms/evaluate.js";
import { utcTime } from "../../src/alarms/utc-time.js";

// Alarm evaluation prints times without the global Date (it reads no clock); the printed times must be Date's.
const fromDate = (ms: number) => {
  const d = new Date(ms);
  return {
    year: d.getUTCFullYear(),
    month: d.getUTCMonth() + 1,
    day: d.getUTCDate(),
    hour: d.getUTCHours(),
    minute: d.getUTCMinutes(),
    second: d.getUTCSeconds(),
    millisecond: d.getUTCMilliseconds(),
  };
};

const year0 = Date.parse("0000-01-01T00:00:00.000Z");
const year9999End = Date.UTC(9999, 11, 31, 23, 59, 59, 999);

describe("alarm reasons print times in UTC", () => {
  it("agrees with Date on leap days, century years, the epoch and times before it", () => {
    for (const iso of [
      "1970-01-01T00:00:00.000Z",
      "2000-02-29T23:59:59.999Z",
      "2024-02-29T12:00:00.000Z",
      "1900-03-01T00:00:00.000Z",
      "2100-02-28T01:02:03.004Z",
      "1969-12-31T23:59:59.999Z",
      "1600-01-01T00:00:00.000Z",
    ]) {
      const ms = Date.parse(iso);
      assert.deepEqual(utcTime(ms), fromDate(ms), iso);
    }
  });

  it("agrees with Date on any millisecond from year 0 to year 9999", () => {
    fc.assert(
      fc.property(fc.integer({ min: year0, max: year9999End }), (ms) => {
        assert.deepEqual(utcTime(ms), fromDate(ms));
      }),
      { numRuns: 2000 },
    );
  });

  it("prints reason times as CloudWatch does: dd/MM/yy HH:mm:ss", () => {
    assert.equal(formatTime(Date.parse("2026-11-28T01:02:03.500Z")), "28/11/26 01:02:03");
    assert.equal(formatTime(Date.parse("2009-01-05T23:00:00.000Z")), "05/01/09 23:00:00");
  });
});
