import { isMap, isScalar, type Document, type LineCounter } from "yaml";
import { describeValue, type PortfolioIssue } from "../errors.js";
import { didYouMean } from "./suggest.js";

export type FieldPath = readonly (string | number)[];

/** models[1].scaling.minCopies */
export function formatPath(path: FieldPath): string {
  return path.map((p, i) => (typeof p === "number" ? `[${p}]` : i === 0 ? p : `.${p}`)).join("");
}

export interface NumberRule {
  whole?: boolean;
  min?: number;
  /** Exclusive lower bound. */
  above?: number;
  max?: number;
  /** What the maximum stands for, shown after it. */
  maxMeans?: string;
}

/**
 * Reads values out of the parsed document and records every problem with the line of the node it
 * concerns, so one run reports all mistakes. Getters return undefined after recording an issue.
 */
export class Fields {
  readonly issues: PortfolioIssue[] = [];
  readonly #file: string;
  readonly #doc: Document;
  readonly #lines: LineCounter;

  constructor(file: string, doc: Document, lines: LineCounter) {
    this.#file = file;
    this.#doc = doc;
    this.#lines = lines;
  }

  /**
   * Line of the key for a named field (a block mapping's value starts on the next line), of the item
   * for a list entry, else of the nearest parent that exists.
   */
  lineOf(path: FieldPath): number {
    for (let depth = path.length; depth >= 0; depth--) {
      const offset = this.#offset(path.slice(0, depth));
      if (offset !== undefined) return this.#lines.linePos(offset).line;
    }
    return 1;
  }

  fail(path: FieldPath, message: string): undefined {
    this.issues.push({ file: this.#file, line: this.lineOf(path), path: formatPath(path), message });
    return undefined;
  }

  /** A mapping whose keys are all in allowed; unknown keys are reported with a suggestion. */
  mapping(path: FieldPath, value: unknown, allowed: readonly string[]): Record<string, unknown> | undefined {
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return this.fail(path, `must be a mapping of ${allowed.join(", ")}, found ${describeValue(value)}`);
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (allowed.includes(key)) continue;
      const guess = didYouMean(key, allowed);
      const hint = guess ? ` — did you mean '${guess}'?` : ` — allowed fields are ${allowed.join(", ")}`;
      this.fail([...path, key], `unknown field '${key}'${hint}`);
    }
    return record;
  }

  required(path: FieldPath, record: Record<string, unknown>, key: string, what: string): unknown {
    if (record[key] === undefined) this.fail(path, `missing field '${key}' (${what})`);
    return record[key];
  }

  /** Getters take undefined as "missing, already reported by required()" and stay silent. */
  number(path: FieldPath, value: unknown, rule: NumberRule = {}): number | undefined {
    if (value === undefined) return undefined;
    const ok =
      typeof value === "number" &&
      Number.isFinite(value) &&
      (!rule.whole || Number.isInteger(value)) &&
      (rule.min === undefined || value >= rule.min) &&
      (rule.above === undefined || value > rule.above) &&
      (rule.max === undefined || value <= rule.max);
    return ok ? (value as number) : this.fail(path, `must be ${describeRule(rule)}, found ${describeValue(value)}`);
  }

  string(path: FieldPath, value: unknown): string | undefined {
    if (value === undefined) return undefined;
    return typeof value === "string" && value.trim() !== "" ? value : this.fail(path, `must be a non-empty text, found ${describeValue(value)}`);
  }

  boolean(path: FieldPath, value: unknown): boolean | undefined {
    if (value === undefined) return undefined;
    return typeof value === "boolean" ? value : this.fail(path, `must be true or false, found ${describeValue(value)}`);
  }

  #offset(path: FieldPath): number | undefined {
    const last = path[path.length - 1];
    if (typeof last === "string") {
      const parent = path.length === 1 ? this.#doc.contents : this.#doc.getIn(path.slice(0, -1), true);
      if (!isMap(parent)) return undefined;
      const pair = parent.items.find((p) => isScalar(p.key) && p.key.value === last);
      return isScalar(pair?.key) ? pair.key.range?.[0] : undefined;
    }
    const node = path.length === 0 ? this.#doc.contents : this.#doc.getIn(path, true);
    return (node as { range?: [number, number, number] } | null | undefined)?.range?.[0];
  }
}

function describeRule(rule: NumberRule): string {
  const kind = rule.whole ? "a whole number" : "a number";
  const bounds: string[] = [];
  if (rule.min !== undefined) bounds.push(`of at least ${rule.min}`);
  if (rule.above !== undefined) bounds.push(`above ${rule.above}`);
  if (rule.max !== undefined) bounds.push(`of at most ${rule.max}${rule.maxMeans === undefined ? "" : ` (${rule.maxMeans})`}`);
  return bounds.length === 0 ? kind : `${kind} ${bounds.join(" and ")}`;
}
