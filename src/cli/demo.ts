import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { Logger } from "../util/logger.js";

export const demoEndpoint = "berth-demo";

const components = [
  {
    InferenceComponentName: "demo-echo",
    Specification: {
      Container: { Image: "berth/echo" },
      ComputeResourceRequirements: { NumberOfCpuCoresRequired: 0.5, MinMemoryRequiredInMb: 256 },
    },
    RuntimeConfig: { CopyCount: 2 },
  },
  {
    InferenceComponentName: "demo-llm",
    Specification: {
      Container: { Image: "berth/llm" },
      ComputeResourceRequirements: { NumberOfAcceleratorDevicesRequired: 1, NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 1024 },
    },
    RuntimeConfig: { CopyCount: 1 },
  },
];

async function exists(probe: () => Promise<unknown>): Promise<boolean> {
  try {
    await probe();
    return true;
  } catch (error) {
    if ((error as Error).name === "ValidationException") return false;
    throw error;
  }
}

/** Creates the demo endpoint and its two components through the public API, skipping what already exists. */
export async function setUpDemo(sm: SageMakerClient, log: Logger): Promise<void> {
  if (!(await exists(() => sm.send(new DescribeEndpointCommand({ EndpointName: demoEndpoint }))))) {
    await sm
      .send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: demoEndpoint,
          ProductionVariants: [
            {
              VariantName: "AllTraffic",
              InstanceType: "ml.g5.12xlarge",
              InitialInstanceCount: 1,
              RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" },
            },
          ],
        }),
      )
      .catch((error: Error) => {
        if (!/already existing/.test(error.message)) throw error;
      });
    await sm.send(new CreateEndpointCommand({ EndpointName: demoEndpoint, EndpointConfigName: demoEndpoint }));
    log.info(`demo: created endpoint ${demoEndpoint} (one ml.g5.12xlarge instance, 4 modelled A10G GPUs)`);
  }
  for (const component of components) {
    if (await exists(() => sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: component.InferenceComponentName })))) continue;
    await sm.send(new CreateInferenceComponentCommand({ ...component, EndpointName: demoEndpoint }));
    log.info(`demo: created inference component ${component.InferenceComponentName} (${component.Specification.Container.Image})`);
  }
}

export async function waitForDemo(sm: SageMakerClient, log: Logger, timeoutMs = 120_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const states = await Promise.all(
      components.map((c) => sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: c.InferenceComponentName }))),
    );
    const summary = states
      .map(
        (s) => `${s.InferenceComponentName} ${s.InferenceComponentStatus} (${s.RuntimeConfig?.CurrentCopyCount}/${s.RuntimeConfig?.DesiredCopyCount} copies)`,
      )
      .join(", ");
    if (summary !== last) log.info(`demo: ${summary}`);
    last = summary;
    if (states.every((s) => s.InferenceComponentStatus === "InService")) return true;
    if (states.some((s) => s.InferenceComponentStatus === "Failed")) return false;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  return false;
}

/**
 * What to try next. With authentication on (the default) the demo prints the administrator key of its data
 * dir as export lines, every start: the berth CLI finds the key itself, curl and the SDKs read it from the
 * environment. With --insecure-no-auth it says that no key is needed, and why that is only for loopback.
 */
export function demoInstructions(url: string, key?: { accessKeyId: string; secretAccessKey: string }): string {
  const access = key
    ? [
        "Authentication is on. The demo signs with the administrator key of its data dir; for curl and the SDKs, export it in the other terminal:",
        `  export AWS_ACCESS_KEY_ID=${key.accessKeyId}`,
        `  export AWS_SECRET_ACCESS_KEY=${key.secretAccessKey}`,
      ]
    : ["Authentication is OFF (--insecure-no-auth): this server listens on loopback and accepts unsigned requests from any local program."];
  const sign = key ? ` --aws-sigv4 "aws:amz:us-east-1:sagemaker" --user "$AWS_ACCESS_KEY_ID:$AWS_SECRET_ACCESS_KEY"` : "";
  return [
    "",
    "Berth demo is ready.",
    ...access,
    "Then try:",
    `  npx berth invoke --url ${url} --endpoint ${demoEndpoint} --component demo-echo --body '{"hello": "berth"}'`,
    `  npx berth invoke --url ${url} --endpoint ${demoEndpoint} --component demo-llm --stream --body '{"inputs": "def fib(n):", "parameters": {"max_new_tokens": 32}}'`,
    `  curl -s ${url}/endpoints/${demoEndpoint}/invocations${sign} -H 'X-Amzn-SageMaker-Inference-Component: demo-llm' -H 'Content-Type: application/json' -d '{"inputs": "def fib(n):"}'`,
    `  npx berth instances --url ${url}`,
    `  npx berth components --url ${url}`,
    key ? `Web console: ${url}/console/ (log in with the key above)` : `Web console: ${url}/console/`,
    "Stop the server with Ctrl-C.",
    "",
  ].join("\n");
}
