import type { Quotas } from "../domain/quotas.js";
import type { ScalableDimension } from "./records.js";

export type ScalableResource = { kind: "component"; component: string } | { kind: "variant"; endpoint: string; variant: string };

/** The most capacity a scalable target may reach: the quota of its kind. */
export function capacityLimit(kind: ScalableResource["kind"], quotas: Quotas): number {
  return kind === "component" ? quotas.maxCopiesPerComponent : quotas.maxInstancesPerEndpoint;
}

const componentId = /^inference-component\/([a-zA-Z0-9]([-a-zA-Z0-9]*[a-zA-Z0-9])?)$/;
const variantId = /^endpoint\/([a-zA-Z0-9](-*[a-zA-Z0-9])*)\/variant\/([a-zA-Z0-9](-*[a-zA-Z0-9])*)$/;

/** Parses a SageMaker ResourceId for the dimension it is used with; undefined when they do not go together. */
export function parseResourceId(resourceId: string, dimension: string): ScalableResource | undefined {
  if (dimension === "sagemaker:inference-component:DesiredCopyCount") {
    const match = componentId.exec(resourceId);
    return match ? { kind: "component", component: match[1]! } : undefined;
  }
  if (dimension === "sagemaker:variant:DesiredInstanceCount") {
    const match = variantId.exec(resourceId);
    return match ? { kind: "variant", endpoint: match[1]!, variant: match[3]! } : undefined;
  }
  return undefined;
}

export const supportedDimensions: ScalableDimension[] = ["sagemaker:inference-component:DesiredCopyCount", "sagemaker:variant:DesiredInstanceCount"];

export function componentResourceId(name: string): string {
  return `inference-component/${name}`;
}

export function variantResourceId(endpoint: string, variant: string): string {
  return `endpoint/${endpoint}/variant/${variant}`;
}
