/** ARNs as SageMaker writes them: the resource name inside the ARN is lower-cased. */
export interface Account {
  region: string;
  accountId: string;
}

export type SageMakerResource = "model" | "endpoint-config" | "endpoint" | "inference-component";

export function sageMakerArn(account: Account, resource: SageMakerResource, name: string): string {
  return `arn:aws:sagemaker:${account.region}:${account.accountId}:${resource}/${name.toLowerCase()}`;
}

/** Names are unique case-insensitively, as the lower-cased ARN implies. */
export function nameKey(name: string): string {
  return name.toLowerCase();
}
