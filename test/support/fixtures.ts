import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
  type CreateInferenceComponentCommandInput,
  type ProductionVariant,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { eventually } from "./wait.js";

let counter = 0;

/** Unique, valid resource names per test, so tests sharing a server never collide. */
export function uniqueName(prefix: string): string {
  counter++;
  return `${prefix}-${process.pid}-${counter}`;
}

export async function createIcEndpoint(
  sm: SageMakerClient,
  options: { instanceType?: string; instanceCount?: number; variant?: Partial<ProductionVariant>; name?: string } = {},
): Promise<string> {
  const name = options.name ?? uniqueName("ep");
  await sm.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-cfg`,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          InstanceType: options.instanceType ?? "ml.g5.12xlarge",
          InitialInstanceCount: options.instanceCount ?? 1,
          ...options.variant,
        } as ProductionVariant,
      ],
    }),
  );
  await sm.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }));
  await waitForEndpoint(sm, name, "InService");
  return name;
}

/**
 * Models `<name>-m<v>` (berth/echo, MODEL_VERSION=v) and single-model endpoint configs `<name>-c<v>` with
 * one variant "Main" of two ml.g5.2xlarge instances, for each version: an endpoint to create and update.
 */
export async function createEchoModelVersions(sm: SageMakerClient, name: string, versions: number[]): Promise<void> {
  for (const version of versions) {
    await sm.send(
      new CreateModelCommand({ ModelName: `${name}-m${version}`, PrimaryContainer: { Image: "berth/echo", Environment: { MODEL_VERSION: String(version) } } }),
    );
    await sm.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${name}-c${version}`,
        ProductionVariants: [{ VariantName: "Main", ModelName: `${name}-m${version}`, InstanceType: "ml.g5.2xlarge", InitialInstanceCount: 2 }],
      }),
    );
  }
}

export async function waitForEndpoint(sm: SageMakerClient, name: string, status: string, timeoutMs = 20_000): Promise<void> {
  await eventually(
    async () => {
      const d = await sm.send(new DescribeEndpointCommand({ EndpointName: name }));
      if (d.EndpointStatus === "Failed" && status !== "Failed") throw new Error(`endpoint failed: ${d.FailureReason}`);
      return d.EndpointStatus === status ? true : undefined;
    },
    { timeoutMs, what: `endpoint ${name} to be ${status}` },
  );
}

export function echoComponent(
  endpoint: string,
  options: {
    name?: string;
    copies?: number;
    accelerators?: number;
    cpu?: number;
    memory?: number;
    env?: Record<string, string>;
    strategy?: "SPREAD" | "BINPACK";
    image?: string;
  } = {},
): CreateInferenceComponentCommandInput {
  return {
    InferenceComponentName: options.name ?? uniqueName("ic"),
    EndpointName: endpoint,
    Specification: {
      Container: { Image: options.image ?? "berth/echo", Environment: options.env },
      ComputeResourceRequirements: {
        NumberOfAcceleratorDevicesRequired: options.accelerators === 0 ? undefined : (options.accelerators ?? 1),
        NumberOfCpuCoresRequired: options.cpu ?? 1,
        MinMemoryRequiredInMb: options.memory ?? 1024,
      },
      SchedulingConfig: options.strategy ? { PlacementStrategy: options.strategy } : undefined,
    },
    RuntimeConfig: { CopyCount: options.copies ?? 1 },
  };
}

export async function createComponent(sm: SageMakerClient, input: CreateInferenceComponentCommandInput, waitFor: string | null = "InService"): Promise<string> {
  await sm.send(new CreateInferenceComponentCommand(input));
  if (waitFor) await waitForComponent(sm, input.InferenceComponentName!, waitFor);
  return input.InferenceComponentName!;
}

export async function waitForComponent(sm: SageMakerClient, name: string, status: string, timeoutMs = 30_000) {
  return eventually(
    async () => {
      const d = await sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      if (d.InferenceComponentStatus === "Failed" && status !== "Failed") throw new Error(`component failed: ${d.FailureReason}`);
      return d.InferenceComponentStatus === status ? d : undefined;
    },
    { timeoutMs, what: `inference component ${name} to be ${status}` },
  );
}

/** Sets a component's copy count and waits until it serves that many copies and is InService again. */
export async function setCopyCount(sm: SageMakerClient, name: string, copies: number): Promise<void> {
  await sm.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: copies } }));
  await eventually(
    async () => {
      const d = await sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
      return d.RuntimeConfig?.CurrentCopyCount === copies && d.InferenceComponentStatus === "InService" ? true : undefined;
    },
    { what: `${name} to be InService at ${copies} copies` },
  );
}

/** Deletes an inference component and waits until DescribeInferenceComponent no longer finds it. */
export async function deleteComponent(sm: SageMakerClient, name: string): Promise<void> {
  await sm.send(new DeleteInferenceComponentCommand({ InferenceComponentName: name }));
  await eventually(
    async () =>
      sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name })).then(
        () => undefined,
        () => true,
      ),
    { what: `component ${name} to be deleted` },
  );
}
