import fc from "fast-check";
import type { Constraints } from "./constraints.js";

/** Arbitraries for chosen member names, wherever they appear (resource names from a bounded pool, images, URLs). */
export type MemberPools = Record<string, fc.Arbitrary<unknown>>;

const maxDepth = 5;

/**
 * Valid-shaped inputs derived from a service model: every required member, a random subset of the
 * optional ones, strings that satisfy enum, length and pattern, numbers inside the stated range.
 * Numbers stay near their minimum: a valid count can still be large enough to make the server do real
 * work (instances, copies), and the mutations reach the far ends of each range on purpose.
 */
export class ValidInputs {
  readonly #constraints: Constraints;
  readonly #pools: MemberPools;
  readonly #cache = new Map<string, fc.Arbitrary<unknown>>();

  constructor(constraints: Constraints, pools: MemberPools = {}) {
    this.#constraints = constraints;
    this.#pools = pools;
  }

  of(shapeName: string, depth = 0): fc.Arbitrary<unknown> {
    const key = `${shapeName}@${Math.min(depth, maxDepth)}`;
    let arb = this.#cache.get(key);
    if (!arb) {
      arb = this.#build(shapeName, Math.min(depth, maxDepth));
      this.#cache.set(key, arb);
    }
    return arb;
  }

  #member(memberName: string, shapeName: string, depth: number): fc.Arbitrary<unknown> {
    return this.#pools[memberName] ?? this.of(shapeName, depth + 1);
  }

  #build(shapeName: string, depth: number): fc.Arbitrary<unknown> {
    const shape = this.#constraints.shape(shapeName);
    switch (shape.type) {
      case "structure": {
        const members = Object.entries(shape.members ?? {});
        if (shape.union) return fc.oneof(...members.map(([name, ref]) => this.#member(name, ref.shape, depth).map((v) => ({ [name]: v }))));
        const required = new Set(shape.required ?? []);
        const kept = depth >= maxDepth ? members.filter(([name]) => required.has(name)) : members;
        const record = Object.fromEntries(kept.map(([name, ref]) => [name, this.#member(name, ref.shape, depth)]));
        return fc.record(record, { requiredKeys: [...required] });
      }
      case "list": {
        const min = shape.min ?? 0;
        const max = Math.min(shape.max ?? min + 3, min + 3);
        return fc.array(this.#member("member", shape.member!.shape, depth), { minLength: min, maxLength: depth >= maxDepth ? min : max });
      }
      case "map": {
        const min = shape.min ?? 0;
        const max = Math.min(shape.max ?? min + 3, min + 3);
        return fc.dictionary(this.of(shape.key!.shape, depth + 1) as fc.Arbitrary<string>, this.of(shape.value!.shape, depth + 1), {
          minKeys: min,
          maxKeys: max,
          noNullPrototype: true,
        });
      }
      case "string":
        return this.#string(shapeName);
      case "integer":
      case "long": {
        const min = Math.max(shape.min ?? 0, -(2 ** 31));
        const max = Math.min(shape.max ?? min + 16, min + 16);
        return fc.integer({ min, max });
      }
      case "float":
      case "double": {
        const min = shape.min ?? 0;
        const max = Math.min(shape.max ?? min + 100, min + 100);
        return fc.double({ min, max, noNaN: true, noDefaultInfinity: true });
      }
      case "boolean":
        return fc.boolean();
      case "timestamp":
        return fc.oneof(
          fc.integer({ min: 1_600_000_000, max: 1_900_000_000 }),
          fc.date({ min: new Date("2020-01-01T00:00:00Z"), max: new Date("2030-01-01T00:00:00Z"), noInvalidDate: true }).map((d) => d.toISOString()),
        );
      case "blob":
        return fc.base64String({ maxLength: 64 });
    }
  }

  #string(shapeName: string): fc.Arbitrary<string> {
    const shape = this.#constraints.shape(shapeName);
    if (shape.enum) return fc.constantFrom(...shape.enum);
    const min = shape.min ?? 0;
    const max = Math.min(shape.max ?? 64, 64);
    const fits = (s: string) => this.#constraints.stringOk(shapeName, s);
    if (!shape.pattern)
      return fc
        .string({
          minLength: min,
          maxLength: Math.max(min, max),
          unit: fc.oneof(fc.string({ minLength: 1, maxLength: 1 }), fc.constantFrom("é", "名", "😀", "\u0000", "\t")),
        })
        .filter(fits);
    const generator = generatorRegex(this.#constraints.pattern(shape.pattern));
    return fc.stringMatching(generator, { size: "small" }).filter(fits);
  }
}

/** fast-check cannot generate from look-around assertions: drop them, and let the full pattern filter the result. */
function generatorRegex(full: RegExp): RegExp {
  let source = full.source;
  for (;;) {
    const start = source.search(/\(\?<?[=!]/);
    if (start < 0) break;
    let depth = 0;
    let end = start;
    for (; end < source.length; end++) {
      if (source[end] === "\\") {
        end++;
        continue;
      }
      if (source[end] === "(") depth++;
      if (source[end] === ")" && --depth === 0) break;
    }
    source = source.slice(0, start) + source.slice(end + 1);
  }
  return new RegExp(source, full.flags);
}
