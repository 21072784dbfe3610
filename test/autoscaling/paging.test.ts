import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { newestFirst, pageOf } from "../../src/operations/autoscaling/paging.js";

describe("Application Auto Scaling paging", () => {
  const activity = (activityId: string, startTime: number) => ({ activityId, startTime });

  it("lists activities newest first, and a page read after a newer activity arrived neither repeats nor skips one", () => {
    const history = [activity("a", 1_000), activity("b", 2_000), activity("c", 3_000), activity("d", 4_000)];
    const first = pageOf(history, { MaxResults: 2 }, 50, newestFirst);
    assert.deepEqual(
      first.items.map((a) => a.activityId),
      ["d", "c"],
    );
    const grown = [...history, activity("e", 5_000)];
    const second = pageOf(grown, { MaxResults: 2, NextToken: first.nextToken }, 50, newestFirst);
    assert.deepEqual(
      second.items.map((a) => a.activityId),
      ["b", "a"],
    );
    assert.equal(second.nextToken, undefined);
  });

  it("refuses a token it did not give with InvalidNextTokenException", () => {
    for (const NextToken of ["garbage", Buffer.from("o2").toString("base64url"), Buffer.from('{"after":2}').toString("base64url")]) {
      assert.throws(
        () => pageOf([activity("a", 1)], { NextToken }, 50, newestFirst),
        (error: Error) => error.name === "InvalidNextTokenException",
      );
    }
  });
});
