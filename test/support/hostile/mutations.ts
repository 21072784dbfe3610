import fc from "fast-check";
import type { Shape } from "../../../src/api/shapes/service-model.js";
import type { Constraints } from "./constraints.js";
import { DeepList, defineOwn, setAt } from "./json-text.js";

/** "refuse": the model forbids the input, so the shape check must answer it; "any": the model allows it (or cannot say). */
export type Verdict = "refuse" | "any";

export interface Mutation {
  /** Where and what, e.g. "productionVariants.1.initialInstanceCount = 1e9". */
  label: string;
  input: unknown;
  verdict: Verdict;
  /** Set when the case exercises a fault another part of issue 9 fixes (see awaiting-fixes.ts). */
  awaits?: string;
}

interface Target {
  path: (string | number)[];
  memberName: string;
  shapeName: string;
  present: boolean;
  required: boolean;
}

/** Members whose size quotas bound (issue 9 item 7); a large value there is a quota case, not a shape case. */
const quotaMembers = new Set([
  "InitialInstanceCount",
  "MaxInstanceCount",
  "MinInstanceCount",
  "CopyCount",
  "DesiredInstanceCount",
  "MaxCapacity",
  "MinCapacity",
]);

const hostileStrings = [
  "",
  " ",
  "\u0000",
  "a\u0000b",
  "\u0001\u001f\u007f",
  "line\nbreak",
  "\r\n",
  "名前",
  "😀",
  "\ud800",
  "e\u0301",
  "bad_name!",
  "-lead",
  "trail-",
  "../..",
  "%zz",
  "%00",
  "${jndi:x}",
  "' OR 1=1 --",
  "<script>",
  "arn:aws:sagemaker:us-east-1:000000000000:model/x",
];
const hostileNumbers = [1e9, 1e308, -1e308, -1, 0, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, 0.5, -0, 5e-324];

/** Wrong JSON types for a shape: each must be refused (SerializationException). */
function wrongTypes(shape: Shape): unknown[] {
  switch (shape.type) {
    case "string":
      return [1, true, {}, [], [""]];
    case "integer":
    case "long":
      return ["1", "NaN", "1e308", "Infinity", 1.5, true, {}, []];
    case "float":
    case "double":
      return ["1.0", "NaN", "Infinity", "-Infinity", true, {}, []];
    case "boolean":
      return ["true", 0, 1, "false", {}, []];
    case "structure":
      return ["{}", 1, true, []];
    case "list":
      return [{}, "[]", 1, true];
    case "map":
      return [[], "{}", 1, true];
    case "timestamp":
      return [true, {}, [], "not-a-date", ""];
    case "blob":
      return [1, true, {}, []];
  }
}

/**
 * Inputs that differ from a valid one at exactly one member: a wrong type, a number at the far end of
 * its range, an over-long or pattern-breaking string, control characters, unicode, deep nesting, a huge
 * list, an unknown member, or a missing required one. Each carries the oracle's verdict.
 */
export class Mutations {
  readonly #constraints: Constraints;
  /** The most bytes one generated string may take; the API refuses bodies over its cap (2 MiB by default). */
  readonly #maxBytes: number;

  constructor(constraints: Constraints, options: { maxBytes: number }) {
    this.#constraints = constraints;
    this.#maxBytes = options.maxBytes;
  }

  of(inputShape: string, valid: fc.Arbitrary<unknown>): fc.Arbitrary<Mutation> {
    return valid.chain((value) => {
      const targets = this.#targets(inputShape, value, [], "(input)", true, true);
      return fc.constantFrom(...targets).chain((target) => this.#mutate(value, target));
    });
  }

  #targets(shapeName: string, value: unknown, path: (string | number)[], memberName: string, present: boolean, required: boolean): Target[] {
    const out: Target[] = [{ path, memberName, shapeName, present, required }];
    if (!present) return out;
    const shape = this.#constraints.shape(shapeName);
    if (shape.type === "structure") {
      const requiredMembers = new Set(shape.required ?? []);
      for (const [name, ref] of Object.entries(shape.members ?? {})) {
        const member = (value as Record<string, unknown>)[name];
        out.push(...this.#targets(ref.shape, member, [...path, name], name, member !== undefined, requiredMembers.has(name)));
      }
    } else if (shape.type === "list") {
      (value as unknown[]).slice(0, 2).forEach((item, i) => out.push(...this.#targets(shape.member!.shape, item, [...path, i], "member", true, true)));
    } else if (shape.type === "map") {
      for (const key of Object.keys(value as object).slice(0, 2))
        out.push(...this.#targets(shape.value!.shape, (value as Record<string, unknown>)[key], [...path, key], "value", true, true));
    }
    return out;
  }

  #mutate(base: unknown, target: Target): fc.Arbitrary<Mutation> {
    const shape = this.#constraints.shape(target.shapeName);
    const where = target.path.length === 0 ? "(input)" : target.path.join(".");
    const replace = (label: string, replacement: unknown, verdict: Verdict, awaits?: string): Mutation => ({
      label: `${where} ${label}`,
      input: setAt(base, target.path, replacement),
      verdict,
      awaits,
    });
    const options: fc.Arbitrary<Mutation>[] = [];
    if (target.path.length > 0) {
      options.push(fc.constantFrom(...wrongTypes(shape)).map((v) => replace(`= ${JSON.stringify(v)} (wrong type)`, v, "refuse")));
      options.push(fc.constant(replace(`= ${"[".repeat(3)}... 5000 deep`, new DeepList(5000), this.#nestingVerdict(shape))));
      options.push(fc.constant(replace("= null", null, target.required ? "refuse" : "any")));
      if (target.required && target.present && target.memberName !== "value" && target.memberName !== "member") {
        options.push(fc.constant({ label: `${where} removed (required)`, input: setAt(base, target.path, undefined, true), verdict: "refuse" as Verdict }));
      }
    }
    switch (shape.type) {
      case "string":
        options.push(this.#strings(target, replace));
        break;
      case "integer":
      case "long":
      case "float":
      case "double":
        options.push(this.#numbers(target, replace));
        break;
      case "timestamp":
        options.push(
          fc
            .constantFrom<number | string>(1e308, -1e308, 8.64e12 + 1, -1, 0, 1e12, "1e308", "+275760-09-13T00:00:00.001Z", "2024-02-30T00:00:00Z", "0x10")
            .map((v) => replace(`= ${JSON.stringify(v)}`, v, this.#constraints.timestampOk(v) ? "any" : "refuse")),
        );
        break;
      case "list":
        options.push(this.#lists(target, base, replace));
        break;
      case "structure":
        if (target.present) options.push(this.#unknownMembers(base, target, where));
        break;
      case "map":
        if (target.present) options.push(this.#mapKeys(base, target, where));
        break;
    }
    return fc.oneof(...options);
  }

  #nestingVerdict(shape: Shape): Verdict {
    if (shape.type !== "list") return "refuse";
    return this.#constraints.shape(shape.member!.shape).type === "list" ? "any" : "refuse";
  }

  #strings(target: Target, replace: (label: string, v: unknown, verdict: Verdict) => Mutation): fc.Arbitrary<Mutation> {
    const shape = this.#constraints.shape(target.shapeName);
    const verdict = (s: string): Verdict => (this.#constraints.stringOk(target.shapeName, s) ? "any" : "refuse");
    // Megabyte strings are few: each costs the server a full parse, and one in a hundred is enough to find a cliff.
    const length = fc.oneof(
      { weight: 20, arbitrary: fc.constant(shape.max !== undefined ? shape.max + 1 : 4096) },
      { weight: 2, arbitrary: fc.constant(100_000) },
      { weight: 1, arbitrary: fc.constant(Math.floor(this.#maxBytes / 2)) },
    );
    return fc.oneof(
      fc.constantFrom(...hostileStrings).map((s) => replace(`= ${JSON.stringify(s)}`, s, verdict(s))),
      length.map((n) => {
        const s = "a".repeat(n);
        return replace(`= "a" x ${n}`, s, verdict(s));
      }),
      fc.string({ unit: "binary", maxLength: 40 }).map((s) => replace(`= ${JSON.stringify(s)}`, s, verdict(s))),
    );
  }

  #numbers(target: Target, replace: (label: string, v: unknown, verdict: Verdict, awaits?: string) => Mutation): fc.Arbitrary<Mutation> {
    const shape = this.#constraints.shape(target.shapeName);
    const edges = [
      ...hostileNumbers,
      ...(shape.min !== undefined ? [shape.min - 1, shape.min] : []),
      ...(shape.max !== undefined ? [shape.max, shape.max + 1] : []),
    ];
    return fc.oneof(fc.constantFrom(...edges), fc.double({ noNaN: true, noDefaultInfinity: true })).map((n) => {
      const ok = this.#constraints.numberOk(target.shapeName, n);
      const awaits = ok && n > 64 && quotaMembers.has(target.memberName) ? "quotas" : undefined;
      return replace(`= ${Object.is(n, -0) ? "-0" : String(n)}`, n, ok ? "any" : "refuse", awaits);
    });
  }

  #lists(target: Target, base: unknown, replace: (label: string, v: unknown, verdict: Verdict) => Mutation): fc.Arbitrary<Mutation> {
    const shape = this.#constraints.shape(target.shapeName);
    const current = target.present ? (this.#valueAt(base, target.path) as unknown[]) : [];
    const item = current[0];
    const sizes = [0, ...(shape.max !== undefined ? [shape.max + 1] : []), 5_000];
    return fc.constantFrom(...sizes).map((n) => {
      const fill = item === undefined || n === 0 ? (n === 0 ? [] : null) : Array.from({ length: n }, () => item);
      if (fill === null)
        return replace(
          `= [${n} x "a"]`,
          Array.from({ length: n }, () => "a"),
          this.#constraints.sizeOk(target.shapeName, n) ? "any" : "refuse",
        );
      return replace(`= [${n} copies of its first item]`, fill, this.#constraints.sizeOk(target.shapeName, n) ? "any" : "refuse");
    });
  }

  #unknownMembers(base: unknown, target: Target, where: string): fc.Arbitrary<Mutation> {
    return fc.constantFrom("Unknown", "__proto__", "constructor", "toString", "hasOwnProperty", "ünïcode", "").map((name) => {
      const current = this.#valueAt(base, target.path) as Record<string, unknown>;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(current)) defineOwn(copy, k, current[k]);
      defineOwn(copy, name, name === "__proto__" ? { polluted: true } : new DeepList(100));
      return { label: `${where} gets unknown member ${JSON.stringify(name)}`, input: setAt(base, target.path, copy), verdict: "any" as Verdict };
    });
  }

  #mapKeys(base: unknown, target: Target, where: string): fc.Arbitrary<Mutation> {
    const shape = this.#constraints.shape(target.shapeName);
    return fc.constantFrom("__proto__", "constructor", "", "BAD-KEY", "\u0000", "k".repeat(300)).map((key) => {
      const current = this.#valueAt(base, target.path) as Record<string, unknown>;
      const copy: Record<string, unknown> = {};
      for (const k of Object.keys(current)) defineOwn(copy, k, current[k]);
      const sample = Object.values(current)[0] ?? "v";
      defineOwn(copy, key, sample);
      const keyOk = this.#constraints.stringOk(shape.key!.shape, key) && this.#constraints.sizeOk(target.shapeName, Object.keys(copy).length);
      return { label: `${where} gets key ${JSON.stringify(key)}`, input: setAt(base, target.path, copy), verdict: keyOk ? "any" : ("refuse" as Verdict) };
    });
  }

  #valueAt(value: unknown, path: (string | number)[]): unknown {
    return path.reduce<unknown>((v, k) => (v as Record<string | number, unknown>)[k], value);
  }
}
