import { protocolErrors } from "../../domain/errors/protocol.js";
import type { ServiceModel, Shape } from "./service-model.js";

/** A constraint the service model states, changed on purpose by Berth (each with its reason). */
export type ShapeDeviations = Record<string, Partial<Pick<Shape, "pattern" | "min" | "max" | "enum">>>;

export interface ValidationResult {
  /** The input with unknown members dropped and timestamps turned into epoch seconds. */
  value: Record<string, unknown>;
  /** Coral-style violation texts; empty when the input satisfies the model. */
  violations: string[];
}

const MAX_REPORTED = 10;

/**
 * Checks a decoded JSON input against a shape of the service model: required members, types,
 * lengths, ranges, patterns and enums. Type mismatches throw a SerializationException at once, as
 * AWS's JSON services do; constraint violations are collected for one ValidationException.
 */
export class ShapeValidator {
  readonly #model: ServiceModel;
  readonly #deviations: ShapeDeviations;
  readonly #patterns = new Map<string, RegExp>();

  constructor(model: ServiceModel, deviations: ShapeDeviations = {}) {
    this.#model = model;
    this.#deviations = deviations;
  }

  /** `path` names the value in violations where it is one member (a header) rather than the whole input. */
  validate(shapeName: string, input: unknown, path = ""): ValidationResult {
    const violations: string[] = [];
    const value = this.#visit(shapeName, input, path, violations) as Record<string, unknown>;
    return { value, violations: violations.slice(0, MAX_REPORTED) };
  }

  #shape(name: string): Shape {
    const shape = this.#model.shapes[name];
    if (!shape) throw new Error(`shape ${name} is not in the generated model`);
    const deviation = this.#deviations[name];
    return deviation ? { ...shape, ...deviation } : shape;
  }

  #visit(shapeName: string, value: unknown, path: string, violations: string[]): unknown {
    const shape = this.#shape(shapeName);
    switch (shape.type) {
      case "structure":
        return this.#structure(shape, value, path, violations);
      case "list":
        return this.#list(shape, value, path, violations);
      case "map":
        return this.#map(shape, value, path, violations);
      case "string":
        return this.#string(shapeName, shape, value, path, violations);
      case "integer":
      case "long":
      case "float":
      case "double":
        if (typeof value !== "number" || !wireTypes[shape.type].fits(value))
          throw protocolErrors.wrongType(path, wireTypes[shape.type].expected, describe(value));
        this.#range(shape, value, path, violations);
        return value;
      case "boolean":
        if (typeof value !== "boolean") throw protocolErrors.wrongType(path, "true or false", describe(value));
        return value;
      case "timestamp":
        return toEpochSeconds(value, path);
      case "blob":
        if (typeof value !== "string") throw protocolErrors.wrongType(path, "a base64 string", describe(value));
        return value;
      default:
        return value;
    }
  }

  #structure(shape: Shape, value: unknown, path: string, violations: string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) {
      if (path === "") throw protocolErrors.bodyNotObject();
      throw protocolErrors.wrongType(path, "an object", describe(value));
    }
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const name of shape.required ?? []) {
      if (input[name] === undefined || input[name] === null)
        violations.push(`Value null at '${join(path, name)}' failed to satisfy constraint: Member must not be null`);
    }
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const member = input[name];
      if (member === undefined || member === null) continue;
      out[name] = this.#visit(ref.shape, member, join(path, name), violations);
    }
    return out;
  }

  #list(shape: Shape, value: unknown, path: string, violations: string[]): unknown[] {
    if (!Array.isArray(value)) throw protocolErrors.wrongType(path, "a list", describe(value));
    this.#size(shape, value.length, value, path, violations);
    return value.map((item, i) => this.#visit(shape.member!.shape, item, `${path}.${i + 1}.member`, violations));
  }

  #map(shape: Shape, value: unknown, path: string, violations: string[]): Record<string, unknown> {
    if (typeof value !== "object" || value === null || Array.isArray(value)) throw protocolErrors.wrongType(path, "a map (JSON object)", describe(value));
    const entries = Object.entries(value as Record<string, unknown>);
    this.#size(shape, entries.length, value, path, violations);
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) {
      this.#visit(shape.key!.shape, k, `${path}.key`, violations);
      // defineProperty keeps a key such as "__proto__" as data instead of replacing the object's prototype.
      Object.defineProperty(out, k, {
        value: this.#visit(shape.value!.shape, v, `${path}.${k}`, violations),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }

  #string(shapeName: string, shape: Shape, value: unknown, path: string, violations: string[]): string {
    if (typeof value !== "string") throw protocolErrors.wrongType(path, "a string", describe(value));
    if (shape.enum && !shape.enum.includes(value)) {
      const listed = shape.enum.length > 30 ? `${shape.enum.slice(0, 30).join(", ")}, ...` : shape.enum.join(", ");
      violations.push(`Value '${clip(value)}' at '${path}' failed to satisfy constraint: Member must satisfy enum value set: [${listed}]`);
      return value;
    }
    this.#size(shape, value.length, value, path, violations);
    if (shape.pattern && !this.#pattern(shapeName, shape.pattern).test(value)) {
      violations.push(`Value '${clip(value)}' at '${path}' failed to satisfy constraint: Member must satisfy regular expression pattern: ${shape.pattern}`);
    }
    return value;
  }

  #size(shape: Shape, size: number, value: unknown, path: string, violations: string[]): void {
    const what = typeof value === "string" ? "length" : "length";
    if (shape.min !== undefined && size < shape.min) {
      violations.push(`Value ${quote(value)} at '${path}' failed to satisfy constraint: Member must have ${what} greater than or equal to ${shape.min}`);
    } else if (shape.max !== undefined && size > shape.max) {
      violations.push(`Value ${quote(value)} at '${path}' failed to satisfy constraint: Member must have ${what} less than or equal to ${shape.max}`);
    }
  }

  #range(shape: Shape, value: number, path: string, violations: string[]): void {
    if (shape.min !== undefined && value < shape.min) {
      violations.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value greater than or equal to ${shape.min}`);
    } else if (shape.max !== undefined && value > shape.max) {
      violations.push(`Value '${value}' at '${path}' failed to satisfy constraint: Member must have value less than or equal to ${shape.max}`);
    }
  }

  #pattern(shapeName: string, pattern: string): RegExp {
    const key = `${shapeName}\u0000${pattern}`;
    let re = this.#patterns.get(key);
    if (!re) {
      // botocore patterns are Java regexes matched against the whole value; Java's POSIX classes have no JS spelling.
      // Java's \A and \z anchor the whole input, as the wrapping ^(?:…)$ already does; a class of one POSIX class is that class.
      const js = pattern
        .replace(/^\\A/, "")
        .replace(/\\z$/, "")
        .replace(/\[\\p\{(Print|ASCII|Graph|Alnum|Alpha|Digit)\}\]/g, (_, name: string) => javaClasses[name]!)
        .replace(/\\p\{(Print|ASCII|Graph|Alnum|Alpha|Digit)\}/g, (_, name: string) => javaClasses[name]!);
      try {
        re = new RegExp(`^(?:${js})$`, "u");
      } catch {
        re = new RegExp(`^(?:${js})$`);
      }
      this.#patterns.set(key, re);
    }
    return re;
  }
}

/**
 * What each numeric wire type holds, as AWS's deserialisers read it: integer is 32-bit, long 64-bit (exact
 * in JSON only up to 2^53), float 32-bit. A value outside its type is a SerializationException there, so
 * no operation ever sees a count of 1e308.
 */
export const wireTypes = {
  integer: { fits: (v: number) => Number.isInteger(v) && v >= -(2 ** 31) && v <= 2 ** 31 - 1, expected: "an integer from -2147483648 to 2147483647" },
  long: { fits: (v: number) => Number.isSafeInteger(v), expected: "an integer from -9007199254740991 to 9007199254740991" },
  float: { fits: (v: number) => Number.isFinite(v) && Math.abs(v) <= 3.4028234663852886e38, expected: "a number of at most 3.4028235e38 in size" },
  double: { fits: (v: number) => Number.isFinite(v), expected: "a finite number" },
};

/** The widest instant a JavaScript Date holds, in seconds either side of 1970. */
const maxEpochSeconds = 8.64e12;

const javaClasses: Record<string, string> = {
  Print: "[\\x20-\\x7E]",
  ASCII: "[\\x00-\\x7F]",
  Graph: "[\\x21-\\x7E]",
  Alnum: "[A-Za-z0-9]",
  Alpha: "[A-Za-z]",
  Digit: "[0-9]",
};

function join(path: string, member: string): string {
  const camel = member.charAt(0).toLowerCase() + member.slice(1);
  return path === "" ? camel : `${path}.${camel}`;
}

function describe(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "an object";
  if (typeof value === "string") return `the string ${JSON.stringify(clip(value))}`;
  return `${typeof value} ${String(value)}`;
}

function clip(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}...` : value;
}

function quote(value: unknown): string {
  if (typeof value === "string") return `'${clip(value)}'`;
  if (Array.isArray(value)) return `'[${value.length} items]'`;
  return `'{${Object.keys(value as object).length} entries}'`;
}

function toEpochSeconds(value: unknown, path: string): number {
  const seconds = typeof value === "number" ? value : typeof value === "string" ? parseTimestamp(value) : NaN;
  if (Number.isFinite(seconds) && Math.abs(seconds) <= maxEpochSeconds) return seconds;
  throw protocolErrors.wrongType(path, "a timestamp (epoch seconds, or an ISO 8601 date, between the years -271821 and 275760)", describe(value));
}

function parseTimestamp(value: string): number {
  const asNumber = Number(value);
  if (value.trim() !== "" && Number.isFinite(asNumber)) return asNumber;
  return Date.parse(value) / 1000;
}
