import assert from "node:assert/strict";
import {
  CreateInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  paginateListInferenceComponents,
  type InferenceComponentSummary,
  type ListInferenceComponentsCommandInput,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { eventually } from "../support/wait.js";

/** Component names on one endpoint as ListInferenceComponents says (EndpointNameEquals goes through the index). */
export async function listedOn(sm: SageMakerClient, endpoint: string): Promise<string[]> {
  return (await listAll(sm, { EndpointNameEquals: endpoint })).map((c) => c.InferenceComponentName!).sort();
}

/** Every page: a burst of writers can leave more components than one page holds. */
async function listAll(sm: SageMakerClient, input: ListInferenceComponentsCommandInput): Promise<InferenceComponentSummary[]> {
  const out: InferenceComponentSummary[] = [];
  for await (const page of paginateListInferenceComponents({ client: sm, pageSize: 100 }, input)) out.push(...page.InferenceComponents!);
  return out;
}

/** The filtered lists agree with the full list for every endpoint named; returns each endpoint's components. */
export async function assertListsAgree(sm: SageMakerClient, endpoints: string[]): Promise<Record<string, string[]>> {
  const all = await listAll(sm, {});
  const out: Record<string, string[]> = {};
  for (const endpoint of endpoints) {
    const expected = all
      .filter((c) => c.EndpointName === endpoint)
      .map((c) => c.InferenceComponentName!)
      .sort();
    out[endpoint] = await listedOn(sm, endpoint);
    assert.deepEqual(out[endpoint], expected, `the components listed on ${endpoint} are those whose EndpointName is ${endpoint}`);
  }
  return out;
}

/** Until no component is being deleted: its record goes once the controller has stopped its copies. */
export async function waitUntilNoneDeleting(sm: SageMakerClient): Promise<void> {
  let deleting: string[] = [];
  await eventually(
    async () => {
      deleting = (await listAll(sm, {})).filter((c) => c.InferenceComponentStatus === "Deleting").map((c) => c.InferenceComponentName!);
      return deleting.length === 0 ? true : undefined;
    },
    { what: () => `the deletes of ${deleting.join(", ")} to finish` },
  );
}

export async function waitUntilGone(sm: SageMakerClient, name: string): Promise<void> {
  await eventually(
    async () => {
      try {
        await sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
        return undefined;
      } catch (error) {
        if ((error as Error).name === "ValidationException") return true;
        throw error;
      }
    },
    { what: `inference component ${name} to be deleted` },
  );
}

/** An adapter component on a base (the demo LoRA adapter shipped in models/). */
export function adapterInput(name: string, endpoint: string, base: string, artifactUrl: string) {
  return new CreateInferenceComponentCommand({
    InferenceComponentName: name,
    EndpointName: endpoint,
    Specification: { BaseInferenceComponentName: base, Container: { ArtifactUrl: artifactUrl } },
  });
}
