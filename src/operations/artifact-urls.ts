import { checkArtifactUrl } from "../artifacts/url-policy.js";
import type { ArtifactUrlPolicy } from "../artifacts/settings.js";
import type { ComponentSpecification } from "../domain/component-spec.js";
import { sageMakerErrors } from "../domain/errors/sagemaker.js";

/** Refuses, before anything is stored, an artifact URL the agent would refuse to fetch. */
export function requireAllowedArtifactUrl(policy: ArtifactUrlPolicy, field: string, url: string | undefined): void {
  if (url === undefined) return;
  const verdict = checkArtifactUrl(url, policy);
  if (!verdict.ok) throw sageMakerErrors.artifactUrlRefused(field, verdict.problem);
}

/** Every ArtifactUrl of a CreateInferenceComponent or UpdateInferenceComponent request. */
export function checkSpecificationArtifacts(
  policy: ArtifactUrlPolicy,
  input: { Specification?: ComponentSpecification; Specifications?: ComponentSpecification[] },
): void {
  requireAllowedArtifactUrl(policy, "Specification.Container.ArtifactUrl", input.Specification?.Container?.ArtifactUrl);
  input.Specifications?.forEach((spec, i) => requireAllowedArtifactUrl(policy, `Specifications.${i + 1}.Container.ArtifactUrl`, spec.Container?.ArtifactUrl));
}

interface ModelContainer {
  ModelDataUrl?: string;
  ModelDataSource?: { S3DataSource?: { S3Uri?: string } };
}

/** Every artifact location of a CreateModel request: its containers' ModelDataUrl and ModelDataSource. */
export function checkModelArtifacts(policy: ArtifactUrlPolicy, definition: { PrimaryContainer?: unknown; Containers?: unknown }): void {
  const containers: [string, ModelContainer | undefined][] = [
    ["PrimaryContainer", definition.PrimaryContainer as ModelContainer | undefined],
    ...((definition.Containers as ModelContainer[] | undefined) ?? []).map((c, i): [string, ModelContainer] => [`Containers.${i + 1}`, c]),
  ];
  for (const [field, container] of containers) {
    requireAllowedArtifactUrl(policy, `${field}.ModelDataUrl`, container?.ModelDataUrl);
    requireAllowedArtifactUrl(policy, `${field}.ModelDataSource.S3DataSource.S3Uri`, container?.ModelDataSource?.S3DataSource?.S3Uri);
  }
}
