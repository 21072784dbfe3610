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

  validate(shapeName: string, input: unknown): ValidationResult {
    const violations: string[] = [];
    const value = this.#visit(shapeName, input, "", violations) as Record<string, unknown>;
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
        if (typeof value !== "number" || !Number.isInteger(value)) throw protocolErrors.wrongType(path, "an integer", describe(value));
        this.#range(shape, value, path, violations);
        return value;
      case "float":
      case "double":
        if (typeof value !== "number" || !Number.isFinite(value)) throw protocolErrors.wrongType(path, "a number", describe(value));
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
      if (input[name] === undefined || input[name] === null) violations.push(`Value null at '${join(path, name)}' failed to satisfy constraint: Member must not be null`);
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
      out[k] = this.#visit(shape.value!.shape, v, `${path}.${k}`, violations);
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
      const js = pattern.replace(/\\p\{(Print|ASCII|Graph|Alnum|Alpha|Digit)\}/g, (_, name: string) => javaClasses[name]!);
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
  if (typeof value === "number" && Number.isFinite(value)) return value;
  if (typeof value === "string") {
    const asNumber = Number(value);
    if (value.trim() !== "" && Number.isFinite(asNumber)) return asNumber;
    const parsed = Date.parse(value);
    if (Number.isFinite(parsed)) return parsed / 1000;
  }
  throw protocolErrors.wrongType(path, "a timestamp (epoch seconds)", describe(value));
}
