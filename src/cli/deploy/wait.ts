import { DescribeEndpointCommand, DescribeInferenceComponentCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import { CliError } from "../failures.js";
import { StatusLines } from "../status-lines.js";
import type { DesiredState } from "./inputs.js";

export interface WaitOptions {
  timeoutMs: number;
  pollMs: number;
  lines: StatusLines;
}

/** Polls the endpoint and the file's components until all are InService with their copies up; a Failed one ends the wait with its reason. */
export async function waitUntilInService(sm: SageMakerClient, desired: DesiredState, options: WaitOptions): Promise<void> {
  const deadline = Date.now() + options.timeoutMs;
  const pending = new Map<string, string>();
  for (;;) {
    pending.clear();
    const endpoint = await sm.send(new DescribeEndpointCommand({ EndpointName: desired.endpoint.EndpointName }));
    const endpointLine = `endpoint ${endpoint.EndpointName}: ${endpoint.EndpointStatus}`;
    options.lines.set("endpoint", endpointLine);
    if (endpoint.EndpointStatus === "Failed") throw new CliError(`endpoint ${endpoint.EndpointName} failed: ${endpoint.FailureReason ?? "no reason given"}`);
    if (endpoint.EndpointStatus !== "InService") pending.set("endpoint", endpointLine);
    for (const c of desired.components) {
      const name = c.input.InferenceComponentName;
      const d = await sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      const current = d.RuntimeConfig?.CurrentCopyCount ?? 0;
      const wanted = d.RuntimeConfig?.DesiredCopyCount ?? 0;
      const line = `inference-component ${name}: ${d.InferenceComponentStatus} ${current}/${wanted} copies${d.FailureReason ? ` (${d.FailureReason})` : ""}`;
      options.lines.set(name, line);
      if (d.InferenceComponentStatus === "Failed")
        throw new CliError(`inference component ${name} failed: ${sentence(d.FailureReason ?? "no reason given")} Its copies' output: berth logs ${name}`);
      if (d.InferenceComponentStatus !== "InService" || current !== wanted) pending.set(name, line);
    }
    if (pending.size === 0) return;
    if (Date.now() > deadline)
      throw new CliError(
        `not everything is in service after ${Math.round(options.timeoutMs / 1000)} s: ${[...pending.values()].join("; ")}. The changes were applied; see 'berth components' and 'berth logs <component>', or wait longer with --timeout.`,
      );
    await new Promise((resolve) => setTimeout(resolve, options.pollMs));
  }
}

function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`;
}
