import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";

/** Berth checks no signature yet, but the SDK insists on credentials; these are used when none are configured. */
const fallbackCredentials = { accessKeyId: "berth-local", secretAccessKey: "berth-local" };

function clientOptions(url: string) {
  const hasCredentials = Boolean(process.env.AWS_ACCESS_KEY_ID || process.env.AWS_PROFILE);
  return { endpoint: url, region: process.env.AWS_REGION ?? "us-east-1", ...(hasCredentials ? {} : { credentials: fallbackCredentials }) };
}

export function sageMakerClient(url: string): SageMakerClient {
  return new SageMakerClient(clientOptions(url));
}

export function runtimeClient(url: string): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient(clientOptions(url));
}

export const defaultUrl = process.env.BERTH_URL ?? "http://127.0.0.1:8080";
