import fc from "fast-check";
import { Constraints } from "./constraints.js";
import { toJsonText } from "./json-text.js";
import { Mutations, type Mutation } from "./mutations.js";
import { isReadOnly, servedApis, targetOf, type ServedApi } from "./served-apis.js";
import { ValidInputs, type MemberPools } from "./valid-inputs.js";
import { withPreview, type HostileRequest } from "./wire.js";

export interface ControlOptions {
  pools: MemberPools;
  /** The API's body cap; generated strings stay under it. */
  maxBodyBytes: number;
}

/** Requests for every operation of every awsJson API Berth serves, built from the service models. */
export class ControlRequests {
  readonly #perOperation: { api: ServedApi; operation: string; valid: fc.Arbitrary<unknown>; mutated: fc.Arbitrary<Mutation> }[] = [];

  constructor(options: ControlOptions) {
    for (const api of servedApis) {
      const constraints = new Constraints(api.model, api.deviations);
      const valid = new ValidInputs(constraints, options.pools);
      const mutations = new Mutations(constraints, { maxBytes: options.maxBodyBytes });
      for (const operation of api.operations) {
        const inputShape = api.model.operations[operation]!.input!;
        const validInput = valid.of(inputShape);
        this.#perOperation.push({ api, operation, valid: validInput, mutated: mutations.of(inputShape, validInput) });
      }
    }
  }

  /** "SageMaker.CreateModel", ... : every operation the handlers serve. */
  get operations(): string[] {
    return this.#perOperation.map((o) => targetOf(o.api, o.operation));
  }

  /** Inputs the model forbids (one member wrong): each must be refused by the shape check. */
  forbidden(): fc.Arbitrary<HostileRequest> {
    return fc.oneof(...this.#perOperation.map((o) => o.mutated.filter((m) => m.verdict === "refuse").map((m) => request(o.api, o.operation, m))));
  }

  /** Valid-shaped inputs, and one-member changes the model allows (unknown members, edge values): any well-formed answer. */
  allowed(): fc.Arbitrary<HostileRequest> {
    return fc.oneof(
      ...this.#perOperation.map((o) =>
        fc
          .oneof(
            o.valid.map((input) => request(o.api, o.operation, { label: "valid-shaped", input, verdict: "any" })),
            o.mutated.filter((m) => m.verdict === "any"),
          )
          .map((m) => (isMutation(m) ? request(o.api, o.operation, m) : m)),
      ),
    );
  }
}

function isMutation(value: Mutation | HostileRequest): value is Mutation {
  return "verdict" in value;
}

function request(api: ServedApi, operation: string, mutation: Mutation): HostileRequest {
  const target = targetOf(api, operation);
  return withPreview({
    protocol: api.name === "cloudwatch" ? "queryCompatibleJson" : "awsJson",
    method: "POST",
    path: "/",
    headers: { "content-type": api.contentType, "x-amz-target": target },
    body: toJsonText(mutation.input),
    label: `${target} ${mutation.label}`,
    mustRefuse: mutation.verdict === "refuse" ? "shape" : "no",
    mutating: !isReadOnly(operation),
    awaits: mutation.awaits,
  });
}
