import type { ServerFlags } from "../clients.js";
import { resolvedCredentials } from "../clients.js";
import { signedFetch } from "../signed-fetch.js";

/**
 * Application Auto Scaling's awsJson 1.1 calls, signed as the SDK signs them. The CLI sends them itself
 * so that it needs no Application Auto Scaling client at run time (that SDK is a test dependency).
 */
export async function autoscalingCall<T>(flags: ServerFlags, operation: string, input: unknown): Promise<T> {
  const credentials = await resolvedCredentials(flags.url, flags.dataDir);
  const response = await signedFetch(
    flags.url.replace(/\/$/, "") + "/",
    {
      method: "POST",
      headers: { "content-type": "application/x-amz-json-1.1", "x-amz-target": `AnyScaleFrontendService.${operation}` },
      body: JSON.stringify(input),
    },
    { credentials, region: process.env.AWS_REGION ?? "us-east-1", service: "application-autoscaling" },
  );
  const answer = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (!response.ok) {
    const type = String(answer.__type ?? `HTTP ${response.status}`);
    // Shaped like the SDK's service exceptions, so failureText prints it the same way.
    throw Object.assign(new Error(String(answer.message ?? answer.Message ?? response.statusText)), {
      name: type.slice(type.lastIndexOf("#") + 1),
      $metadata: { httpStatusCode: response.status },
    });
  }
  return answer as T;
}
