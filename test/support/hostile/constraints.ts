import type { ServiceModel, Shape } from "../../../src/api/shapes/service-model.js";
import type { ShapeDeviations } from "../../../src/api/shapes/validate.js";

/**
 * The suite's own reading of a service model's constraints: the oracle that says whether a value must
 * be refused. Written apart from src/api/shapes/validate.ts on purpose, so a validator bug shows up as a
 * disagreement instead of being copied into the test.
 */
export class Constraints {
  readonly model: ServiceModel;
  readonly #deviations: ShapeDeviations;
  readonly #patterns = new Map<string, RegExp>();

  constructor(model: ServiceModel, deviations: ShapeDeviations) {
    this.model = model;
    this.#deviations = deviations;
  }

  shape(name: string): Shape {
    const shape = this.model.shapes[name]!;
    const deviation = this.#deviations[name];
    return deviation ? { ...shape, ...deviation } : shape;
  }

  /** The model's pattern as an anchored JS regex; Java's \p{Print}-style classes spelled out. */
  pattern(source: string): RegExp {
    let re = this.#patterns.get(source);
    if (!re) {
      const js = source
        .replaceAll("\\p{Print}", "[\\x20-\\x7E]")
        .replaceAll("\\p{ASCII}", "[\\x00-\\x7F]")
        .replaceAll("\\p{Graph}", "[\\x21-\\x7E]")
        .replaceAll("\\p{Alnum}", "[A-Za-z0-9]")
        .replaceAll("\\p{Alpha}", "[A-Za-z]")
        .replaceAll("\\p{Digit}", "[0-9]");
      try {
        re = new RegExp(`^(?:${js})$`, "u");
      } catch {
        re = new RegExp(`^(?:${js})$`);
      }
      this.#patterns.set(source, re);
    }
    return re;
  }

  /** Whether a string satisfies a string shape: enum, length and pattern. */
  stringOk(shapeName: string, value: string): boolean {
    const shape = this.shape(shapeName);
    if (shape.enum) return shape.enum.includes(value);
    if (shape.min !== undefined && value.length < shape.min) return false;
    if (shape.max !== undefined && value.length > shape.max) return false;
    return !shape.pattern || this.pattern(shape.pattern).test(value);
  }

  /**
   * Whether a JSON number fits a numeric shape: the model's range, and the wire type's own range
   * (integer is 32-bit, long 64-bit but exact in JSON only up to 2^53, float 32-bit), as AWS's
   * deserialisers enforce.
   */
  numberOk(shapeName: string, value: number): boolean {
    const shape = this.shape(shapeName);
    if (!Number.isFinite(value)) return false;
    if (shape.type === "integer" && (!Number.isInteger(value) || value < -(2 ** 31) || value > 2 ** 31 - 1)) return false;
    if (shape.type === "long" && !Number.isSafeInteger(value)) return false;
    if (shape.type === "float" && Math.abs(value) > 3.4028234663852886e38) return false;
    if (shape.min !== undefined && value < shape.min) return false;
    if (shape.max !== undefined && value > shape.max) return false;
    return true;
  }

  /** Whether a timestamp (epoch seconds, or a date string) names an instant a Date can hold. */
  timestampOk(value: number | string): boolean {
    const seconds = typeof value === "number" ? value : value.trim() !== "" && Number.isFinite(Number(value)) ? Number(value) : Date.parse(value) / 1000;
    return Number.isFinite(seconds) && Math.abs(seconds) <= 8.64e12;
  }

  /** Whether a list or map size fits the shape. */
  sizeOk(shapeName: string, size: number): boolean {
    const shape = this.shape(shapeName);
    return (shape.min === undefined || size >= shape.min) && (shape.max === undefined || size <= shape.max);
  }
}
