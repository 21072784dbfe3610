import assert from "node:assert/strict";
import {
  CreateInferenceComponentCommand,
  DescribeInferenceComponentCommand,
  ListInferenceComponentsCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { eventually } from "../support/wait.js";

/** Component names on one endpoint as ListInferenceComponents says (EndpointNameEquals goes through the index). */
export async function listedOn(sm: SageMakerClient, endpoint: string): Promise<string[]> {
  const page = await sm.send(new ListInferenceComponentsCommand({ EndpointNameEquals: endpoint, MaxResults: 100 }));
  return page.InferenceComponents!.map((c) => c.InferenceComponentName!).sort();
}

/** The filtered lists agree with the full list for every endpoint named; returns each endpoint's components. */
export async function assertListsAgree(sm: SageMakerClient, endpoints: string[]): Promise<Record<string, string[]>> {
  const all = (await sm.send(new ListInferenceComponentsCommand({ MaxResults: 100 }))).InferenceComponents!;
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
