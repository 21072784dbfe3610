import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { fromQueryParams } from "../../src/api/query/deserialize.js";
import type { ServiceModel } from "../../src/api/shapes/service-model.js";
import { ShapeValidator } from "../../src/api/shapes/validate.js";
import { BerthError } from "../../src/domain/errors/berth-error.js";
import { Constraints } from "../support/hostile/constraints.js";
import { toJsonText } from "../support/hostile/json-text.js";
import { hostileSeed } from "../support/hostile/property.js";
import { servedApis } from "../support/hostile/served-apis.js";
import { ValidInputs } from "../support/hostile/valid-inputs.js";

const cloudwatch = servedApis.find((api) => api.name === "cloudwatch")!;

/**
 * A JSON input as botocore's QuerySerializer writes it: `A.B`, lists as `A.member.N` (an empty one as `A=`),
 * maps as `A.entry.N.key/value`, timestamps in ISO 8601, booleans as true/false.
 */
function toForm(model: ServiceModel, shapeName: string, value: unknown, prefix: string, out: URLSearchParams): void {
  const shape = model.shapes[shapeName]!;
  const at = (name: string) => (prefix === "" ? name : `${prefix}.${name}`);
  switch (shape.type) {
    case "structure":
      for (const [name, member] of Object.entries(value as Record<string, unknown>)) toForm(model, shape.members![name]!.shape, member, at(name), out);
      return;
    case "list":
      if ((value as unknown[]).length === 0) out.append(prefix, "");
      (value as unknown[]).forEach((item, i) => toForm(model, shape.member!.shape, item, at(`member.${i + 1}`), out));
      return;
    case "map":
      if (Object.keys(value as object).length === 0) out.append(prefix, "");
      Object.entries(value as Record<string, unknown>).forEach(([key, item], i) => {
        out.append(at(`entry.${i + 1}.key`), key);
        toForm(model, shape.value!.shape, item, at(`entry.${i + 1}.value`), out);
      });
      return;
    case "timestamp":
      out.append(prefix, typeof value === "number" ? new Date(value * 1000).toISOString() : String(value));
      return;
    default:
      out.append(prefix, String(value));
  }
}

/** awsQuery cannot send a structure with no members set (botocore writes nothing for it); JSON can. */
function hasEmptyStructure(model: ServiceModel, shapeName: string, value: unknown): boolean {
  const shape = model.shapes[shapeName]!;
  if (shape.type === "list") return (value as unknown[]).some((item) => hasEmptyStructure(model, shape.member!.shape, item));
  if (shape.type === "map") return Object.values(value as object).some((item) => hasEmptyStructure(model, shape.value!.shape, item));
  if (shape.type !== "structure") return false;
  const members = Object.entries(value as Record<string, unknown>);
  return members.length === 0 || members.some(([name, member]) => hasEmptyStructure(model, shape.members![name]!.shape, member));
}

/** What the validator makes of an input: its value, or the refusal it throws. */
function outcome(validator: ShapeValidator, shape: string, input: () => unknown): unknown {
  try {
    return validator.validate(shape, input());
  } catch (error) {
    if (!BerthError.is(error)) throw error;
    return { refused: error.code };
  }
}

// In-process, as hostile-input-shapes.test.ts: the CLI tests in test/cloudwatch/query-protocol.test.ts cover the wire.
describe("CloudWatch's awsQuery decoding", () => {
  const { model, operations } = cloudwatch;
  const constraints = new Constraints(model, cloudwatch.deviations);
  const valid = new ValidInputs(constraints);
  const validator = new ShapeValidator(model, cloudwatch.deviations);

  it("reads every valid-shaped input, sent as a form, as the same input the JSON protocol reads", (t) => {
    const seed = hostileSeed();
    t.diagnostic(`seed ${seed} (rerun with BERTH_HOSTILE_SEED=${seed})`);
    const cases = fc.oneof(
      ...operations.map((operation) => {
        const shape = model.operations[operation]!.input!;
        return valid
          .of(shape)
          .map((input) => ({ operation, json: JSON.parse(toJsonText(input)) as unknown }))
          .filter(({ json }) =>
            Object.entries(json as object).every(([name, member]) => !hasEmptyStructure(model, model.shapes[shape]!.members![name]!.shape, member)),
          );
      }),
    );
    fc.assert(
      fc.property(cases, ({ operation, json }) => {
        const shape = model.operations[operation]!.input!;
        const form = new URLSearchParams({ Action: operation, Version: "2010-08-01" });
        toForm(model, shape, json, "", form);
        const viaForm = outcome(validator, shape, () => fromQueryParams(model, shape, new URLSearchParams(form.toString()), ["Action", "Version"]));
        assert.deepEqual(
          viaForm,
          outcome(validator, shape, () => json),
          `${operation}: ${form}`,
        );
      }),
      { seed, numRuns: 100 * operations.length },
    );
  });

  it("refuses a form of random names and values with a client error, never anything else", (t) => {
    const seed = hostileSeed();
    t.diagnostic(`seed ${seed} (rerun with BERTH_HOSTILE_SEED=${seed})`);
    const words = [...new Set(Object.values(model.shapes).flatMap((s) => Object.keys(s.members ?? {})))];
    const segment = fc.oneof(
      fc.constantFrom(...words, "member", "entry", "key", "value", "1", "2", "0", "__proto__", "constructor", ""),
      fc.string({ maxLength: 4 }),
    );
    const name = fc.array(segment, { minLength: 1, maxLength: 6 }).map((parts) => parts.join("."));
    const value = fc.oneof(fc.constantFrom("", "1", "-1", "1e400", "true", "NaN", "2026-01-01T00:00:00Z", "OK"), fc.string({ maxLength: 8 }));
    const cases = fc.record({ operation: fc.constantFrom(...operations), params: fc.array(fc.tuple(name, value), { maxLength: 12 }) });
    fc.assert(
      fc.property(cases, ({ operation, params }) => {
        const shape = model.operations[operation]!.input!;
        try {
          const input = fromQueryParams(model, shape, new URLSearchParams(params), ["Action", "Version"]);
          validator.validate(shape, input);
        } catch (error) {
          assert.ok(BerthError.is(error) && error.fault === "client", `${operation} ${JSON.stringify(params)}: ${(error as Error).stack}`);
        }
      }),
      { seed, numRuns: 2_000 },
    );
  });
});
