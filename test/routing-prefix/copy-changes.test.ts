import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { pickCopy, type CopyLoad } from "../../src/router/pick.js";
import type { RouteCopy } from "../../src/router/table.js";

const routing = { prefixLength: 1024, concurrencyThreshold: 8 };
const copy = (id: string): RouteCopy => ({ id, origin: `http://127.0.0.1/${id}`, instanceId: "i-1" });

/** The copy each of `prompts` goes to, one at a time (nothing in flight). */
function owners(copies: RouteCopy[], prompts: Buffer[]): string[] {
  const loads = new Map<string, CopyLoad>();
  const loadOf = (c: RouteCopy) => loads.get(c.id) ?? loads.set(c.id, { inFlight: 0 }).get(c.id)!;
  return prompts.map(
    (body) => pickCopy(copies, "PREFIX_AWARE", loadOf, { rotation: 0, random: Math.random, limit: 64, prefix: routing, request: { body } })!.id,
  );
}

describe("prefix-aware routing as copies come and go", () => {
  const prompts = Array.from({ length: 400 }, (_, i) => Buffer.from(`system prompt ${i} `.repeat(80)));

  it("moves only the prefixes a new copy takes over: every other prefix stays on its copy", () => {
    const four = ["ic-a-1", "ic-a-2", "ic-a-3", "ic-a-4"].map(copy);
    const before = owners(four, prompts);
    const after = owners([...four, copy("ic-a-5")], prompts);
    const moved = prompts.map((_, i) => i).filter((i) => before[i] !== after[i]);
    assert.ok(moved.length > 0, "the new copy took no prefix");
    for (const i of moved) assert.equal(after[i], "ic-a-5", `prompt ${i} moved from ${before[i]} to ${after[i]}, not to the new copy`);
  });

  it("moves only the prefixes of a copy that went away", () => {
    const four = ["ic-b-1", "ic-b-2", "ic-b-3", "ic-b-4"].map(copy);
    const before = owners(four, prompts);
    const after = owners(
      four.filter((c) => c.id !== "ic-b-2"),
      prompts,
    );
    for (const [i, owner] of before.entries()) if (owner !== "ic-b-2") assert.equal(after[i], owner, `prompt ${i} left ${owner}, which still serves`);
  });

  it("decides by the first PrefixLength bytes only, whatever follows them", () => {
    const copies = ["ic-c-1", "ic-c-2", "ic-c-3"].map(copy);
    const tails = ["short", "a much longer question ".repeat(40), ""];
    for (const prompt of prompts.slice(0, 20)) {
      const heads = owners(
        copies,
        tails.map((tail) => Buffer.concat([prompt.subarray(0, 1024), Buffer.from(tail)])),
      );
      assert.equal(new Set(heads).size, 1);
    }
  });

  it("sends one body to one copy wherever its bytes sit in memory (the hash reads whole words where it can)", () => {
    const copies = ["ic-d-1", "ic-d-2", "ic-d-3", "ic-d-4"].map(copy);
    for (const prompt of prompts.slice(0, 40)) {
      const placed = [0, 1, 2, 3].map((shift) => {
        const room = Buffer.alloc(prompt.length + 8);
        prompt.copy(room, shift);
        return room.subarray(shift, shift + prompt.length);
      });
      assert.equal(new Set(owners(copies, placed)).size, 1);
      assert.equal(
        new Set(
          owners(
            copies,
            placed.map((b) => b.subarray(0, 1023)),
          ),
        ).size,
        1,
      );
    }
  });
});
