import { describe, it, type TestContext } from "node:test";
import fc from "fast-check";
import { ArrivalCursor, mergeArrivals, type Stream } from "../../../src/sim/input/index.js";

const stream = (arrivals: number[]): Stream => ({
  id: "s",
  arrivals: Float64Array.from(arrivals),
  attributes: {},
  stats: { count: arrivals.length, meanRatePerS: 0, peakRatePerS60: 0, firstArrivalS: NaN, lastArrivalS: NaN },
});

describe("merging streams into one time order", () => {
  it("yields every request once, by time, ties by stream then request index", (t: TestContext) => {
    t.plan(3);
    const merged = mergeArrivals({ streams: [stream([1, 3, 3]), stream([]), stream([0, 3, 9])] });
    t.assert.deepStrictEqual([...merged.time], [0, 1, 3, 3, 3, 9]);
    t.assert.deepStrictEqual([...merged.stream], [2, 0, 0, 0, 2, 2]);
    t.assert.deepStrictEqual([...merged.index], [0, 0, 1, 2, 1, 2]);
  });

  it("agrees with a stable sort of all arrivals for any sorted streams", (t: TestContext) => {
    t.plan(1);
    const sortedLists = fc.array(
      fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 30 }).map((a) => a.sort((x, y) => x - y)),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(sortedLists, (lists) => {
        const cursor = new ArrivalCursor({ streams: lists.map(stream) });
        const got: [number, number, number][] = [];
        while (cursor.next()) got.push([cursor.time, cursor.stream, cursor.index]);
        const want = lists.flatMap((l, s) => l.map((x, i): [number, number, number] => [x, s, i])).sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
        return JSON.stringify(got) === JSON.stringify(want);
      }),
    );
    t.assert.ok(true);
  });

  it("peeks at the next time without consuming it", (t: TestContext) => {
    t.plan(3);
    const cursor = new ArrivalCursor({ streams: [stream([2]), stream([1])] });
    t.assert.equal(cursor.peekTime(), 1);
    cursor.next();
    cursor.next();
    t.assert.equal(cursor.peekTime(), Infinity);
    t.assert.equal(cursor.next(), false);
  });
});
