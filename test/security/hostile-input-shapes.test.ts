import assert from "node:assert/strict";
import { describe, it } from "node:test";
import fc from "fast-check";
import { ShapeValidator } from "../../src/api/shapes/validate.js";
import { Constraints } from "../support/hostile/constraints.js";
import { toJsonText } from "../support/hostile/json-text.js";
import { Mutations } from "../support/hostile/mutations.js";
import { hostileSeed } from "../support/hostile/property.js";
import { servedApis } from "../support/hostile/served-apis.js";
import { ValidInputs } from "../support/hostile/valid-inputs.js";

/** Whether the validator refuses a JSON text, as the API would after parsing it. */
function refuses(validator: ShapeValidator, shape: string, text: string): boolean {
  try {
    return validator.validate(shape, JSON.parse(text)).violations.length > 0;
  } catch {
    return true;
  }
}

// In-process, so thousands of cases take a second: the HTTP suites beside this file rely on both halves.
describe("the shape validator agrees with the suite's reading of the service models", () => {
  for (const api of servedApis) {
    it(`${api.name}: passes every valid-shaped input and refuses every one-member change the model forbids`, (t) => {
      const constraints = new Constraints(api.model, api.deviations);
      const valid = new ValidInputs(constraints);
      const mutations = new Mutations(constraints, { maxBytes: 2 * 1024 * 1024 });
      const validator = new ShapeValidator(api.model, api.deviations);
      const seed = hostileSeed();
      t.diagnostic(`seed ${seed} (rerun with BERTH_HOSTILE_SEED=${seed})`);
      const cases = fc.oneof(
        ...api.operations.map((operation) => {
          const shape = api.model.operations[operation]!.input!;
          return fc.oneof(
            valid.of(shape).map((input) => ({ operation, shape, label: "valid-shaped", text: toJsonText(input), forbidden: false })),
            mutations
              .of(shape, valid.of(shape))
              .filter((m) => m.verdict === "refuse")
              .map((m) => ({ operation, shape, label: m.label, text: toJsonText(m.input), forbidden: true })),
          );
        }),
      );
      fc.assert(
        fc.property(cases, (c) => {
          assert.equal(refuses(validator, c.shape, c.text), c.forbidden, `${c.operation} ${c.label}`);
        }),
        { seed, numRuns: 100 * api.operations.length },
      );
    });
  }
});
