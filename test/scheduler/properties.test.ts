import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fits, freeResources, place } from "../../src/scheduler/index.js";
import { placementInputArb, reordered } from "./arbitraries.js";
import { settled } from "./builders.js";
import { activeCopies, heldAfter, overcommits } from "./invariants.js";

const runs = { numRuns: 400 };

describe("placement properties over random fleets", () => {
  it("never over-commits a resource or shares a device", () => {
    fc.assert(
      fc.property(placementInputArb, (input) => {
        assert.deepEqual(overcommits(input, place(input)), []);
      }),
      runs,
    );
  });

  it("gives the same decision for the same input, in any order", () => {
    fc.assert(
      fc.property(placementInputArb, fc.integer(), (input, seed) => {
        const decision = place(input);
        assert.deepEqual(place(input), decision);
        assert.deepEqual(place(reordered(input, seed)), decision);
      }),
      runs,
    );
  });

  it("holds min(wanted, placeable) copies of each component, and reports the rest as unplaced", () => {
    fc.assert(
      fc.property(placementInputArb, (input) => {
        const decision = place(input);
        const held = heldAfter(decision);
        const wantedOf = new Map(input.demands.map((d) => [d.component, Math.max(0, d.copies)]));
        for (const c of held) assert.ok(wantedOf.has(c.component), `${c.id} has no demand but is held`);
        for (const d of input.demands) {
          const active = activeCopies(decision, d.component).length;
          const wanted = Math.max(0, d.copies);
          const entry = decision.unplaced.find((u) => u.component === d.component);
          assert.ok(active <= wanted, `${d.component}: ${active} held, ${wanted} wanted`);
          if (active === wanted) {
            assert.equal(entry, undefined);
            continue;
          }
          assert.equal(entry?.missing, wanted - active);
          for (const s of entry!.shortfalls) {
            assert.equal(s.needed, d.needs[s.resource], `${d.component}: a shortfall names what one copy needs`);
            assert.ok(s.needed > s.available, `${d.component}: ${s.resource} reported short but ${s.available} ≥ ${s.needed}`);
          }
          for (const inst of input.instances.filter((i) => i.schedulable)) {
            assert.ok(!fits(freeResources(inst, held), d.needs), `${d.component} still fits ${inst.id}`);
          }
        }
      }),
      runs,
    );
  });

  it("leaves every copy it does not stop exactly where it was", () => {
    fc.assert(
      fc.property(placementInputArb, (input) => {
        const decision = place(input);
        const removed = decision.remove.map((r) => r.copy);
        assert.equal(decision.keep.length + removed.length, input.current.length);
        for (const c of input.current) assert.ok(decision.keep.includes(c) !== removed.includes(c), `${c.id}`);
        const draining = new Set(input.instances.filter((i) => !i.schedulable).map((i) => i.id));
        const byId = new Map(input.current.map((c) => [c.id, c]));
        for (const c of decision.add) {
          assert.ok(!draining.has(c.instanceId), `${c.id} placed on draining ${c.instanceId}`);
          if (c.replaces !== undefined) assert.ok(draining.has(byId.get(c.replaces)?.instanceId ?? ""), `${c.id} moves a copy without need`);
        }
      }),
      runs,
    );
  });

  it("names new copies uniquely and advances nextOrdinals past them", () => {
    fc.assert(
      fc.property(placementInputArb, (input) => {
        const decision = place(input);
        const ids = [...input.current, ...decision.add].map((c) => c.id);
        assert.equal(new Set(ids).size, ids.length);
        for (const c of decision.add) {
          assert.ok(decision.nextOrdinals[c.component] > Number(c.id.slice(c.component.length + 1)));
        }
      }),
      runs,
    );
  });

  it("adds and removes nothing when run again on its own result", () => {
    fc.assert(
      fc.property(placementInputArb, (input) => {
        const first = place(input);
        const again = place({ ...input, current: settled(first), nextOrdinals: first.nextOrdinals });
        assert.deepEqual(again.add, []);
        assert.deepEqual(again.remove, []);
      }),
      runs,
    );
  });
});
