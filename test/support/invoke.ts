import { berthFetch } from "./http.js";
import { eventually } from "./wait.js";
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, type SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";

export async function invoke(
  runtime: SageMakerRuntimeClient,
  endpoint: string,
  component: string | undefined,
  body: string,
  customAttributes?: string,
  sessionId?: string,
) {
  const response = await runtime.send(
    new InvokeEndpointCommand({
      EndpointName: endpoint,
      InferenceComponentName: component,
      Body: new TextEncoder().encode(body),
      ContentType: "application/json",
      CustomAttributes: customAttributes,
      SessionId: sessionId,
    }),
  );
  return {
    body: Buffer.from(response.Body!).toString("utf8"),
    customAttributes: response.CustomAttributes,
    variant: response.InvokedProductionVariant,
    contentType: response.ContentType,
    newSessionId: response.NewSessionId,
    closedSessionId: response.ClosedSessionId,
  };
}

/** The copy id the echo image reports in CustomAttributes (copy=<id>). */
export function copyOf(customAttributes: string | undefined): string {
  const match = /copy=([^,;]+)/.exec(customAttributes ?? "");
  if (!match) throw new Error(`no copy= in CustomAttributes '${customAttributes}'`);
  return match[1]!;
}

export async function invokeStream(runtime: SageMakerRuntimeClient, endpoint: string, component: string, body: string, sessionId?: string) {
  const response = await runtime.send(
    new InvokeEndpointWithResponseStreamCommand({
      EndpointName: endpoint,
      InferenceComponentName: component,
      Body: new TextEncoder().encode(body),
      ContentType: "application/json",
      SessionId: sessionId,
    }),
  );
  const parts: string[] = [];
  for await (const event of response.Body!) if (event.PayloadPart?.Bytes) parts.push(Buffer.from(event.PayloadPart.Bytes).toString("utf8"));
  return { parts, contentType: response.ContentType, customAttributes: response.CustomAttributes };
}

/** Waits until the router's metrics show this many requests in flight to a component (they reached its copies). */
export async function waitForInFlight(berthUrl: string, component: string, count: number, what: string): Promise<void> {
  const pattern = new RegExp(`berth_in_flight_requests\\{[^}]*component="${component}"[^}]*\\} ${count}\\b`);
  await eventually(async () => (pattern.test(await (await berthFetch(`${berthUrl}/metrics`)).text()) ? true : undefined), { intervalMs: 20, what });
}
