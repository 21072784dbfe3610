import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  DescribeInferenceComponentCommand,
  DescribeModelCommand,
  UpdateEndpointCommand,
  UpdateInferenceComponentCommand,
  UpdateInferenceComponentRuntimeConfigCommand,
  type DescribeInferenceComponentCommandOutput,
  type ProductionVariant,
  type SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import type { ServerFlags } from "../clients.js";
import { CliError, exitCodes } from "../failures.js";
import { autoscalingCall } from "./autoscaling-calls.js";
import { copyCountDimension, type DesiredComponent, type DesiredState } from "./inputs.js";

/** One resource's part of a deploy: created, changed (with what changes), or left as it is. */
export interface Change {
  action: "create" | "update" | "unchanged";
  kind: "endpoint-config" | "endpoint" | "model" | "inference-component" | "scalable-target" | "scaling-policy";
  name: string;
  /** What is made, or each field that changes as "field: old → new". */
  details: string[];
  apply?: () => Promise<unknown>;
}

/** Reads what exists and lists, in the order they must be applied, the calls that make it match the file. */
export async function planDeploy(sm: SageMakerClient, flags: ServerFlags, desired: DesiredState): Promise<Change[]> {
  const changes: Change[] = [];
  changes.push(...(await planEndpoint(sm, desired)));
  for (const model of desired.models) changes.push(await planModel(sm, model));
  for (const component of desired.components) changes.push(...(await planComponent(sm, flags, component, desired)));
  return changes;
}

async function planEndpoint(sm: SageMakerClient, desired: DesiredState): Promise<Change[]> {
  const { endpoint, endpointConfig } = desired;
  const variant = endpointConfig.ProductionVariants[0]!;
  const createConfig: Change = {
    action: "create",
    kind: "endpoint-config",
    name: endpointConfig.EndpointConfigName,
    details: [variantText(variant)],
    apply: () => sm.send(new CreateEndpointConfigCommand(endpointConfig)),
  };
  const current = await missingAsUndefined(sm.send(new DescribeEndpointCommand({ EndpointName: endpoint.EndpointName })));
  if (!current)
    return [
      createConfig,
      { action: "create", kind: "endpoint", name: endpoint.EndpointName, details: [], apply: () => sm.send(new CreateEndpointCommand(endpoint)) },
    ];
  if (current.EndpointStatus === "Failed")
    throw new CliError(
      `endpoint ${endpoint.EndpointName} is Failed (${current.FailureReason ?? "no reason given"}). Delete it (aws sagemaker delete-endpoint --endpoint-name ${endpoint.EndpointName}) and deploy again.`,
    );
  const unchanged: Change = { action: "unchanged", kind: "endpoint", name: endpoint.EndpointName, details: [] };
  if (current.EndpointConfigName === endpoint.EndpointConfigName) return [unchanged];
  const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: current.EndpointConfigName }));
  const was = config.ProductionVariants?.find((v) => v.VariantName === variant.VariantName);
  const details = was
    ? differences([
        ["instanceType", was.InstanceType, variant.InstanceType],
        ["instanceCount", was.InitialInstanceCount, variant.InitialInstanceCount],
        ["managedInstanceScaling", scalingText(was), scalingText(variant)],
        ["routing", was.RoutingConfig?.RoutingStrategy, variant.RoutingConfig?.RoutingStrategy],
        ["prefixAware", prefixText(was), prefixText(variant)],
        ["executionRoleArn", config.ExecutionRoleArn, endpointConfig.ExecutionRoleArn],
      ])
    : [`variant ${variant.VariantName} replaces ${(config.ProductionVariants ?? []).map((v) => v.VariantName).join(", ")}`];
  if (details.length === 0) return [unchanged];
  if (current.EndpointStatus !== "InService")
    throw new CliError(
      `endpoint ${endpoint.EndpointName} is ${current.EndpointStatus}, and changing it needs it InService. Wait ('berth endpoints') and apply again.`,
    );
  const configExists = await missingAsUndefined(sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: endpoint.EndpointConfigName })));
  return [
    ...(configExists ? [] : [createConfig]),
    { action: "update", kind: "endpoint", name: endpoint.EndpointName, details, apply: () => sm.send(new UpdateEndpointCommand(endpoint)) },
  ];
}

async function planModel(sm: SageMakerClient, model: DesiredState["models"][number]): Promise<Change> {
  const current = await missingAsUndefined(sm.send(new DescribeModelCommand({ ModelName: model.ModelName })));
  if (!current)
    return {
      action: "create",
      kind: "model",
      name: model.ModelName,
      details: [model.PrimaryContainer.Image ?? ""],
      apply: () => sm.send(new CreateModelCommand(model)),
    };
  const details = differences([
    ["image", current.PrimaryContainer?.Image, model.PrimaryContainer.Image],
    ["modelDataUrl", current.PrimaryContainer?.ModelDataUrl, model.PrimaryContainer.ModelDataUrl],
    ["environment", envText(current.PrimaryContainer?.Environment), envText(model.PrimaryContainer.Environment)],
  ]);
  if (details.length > 0)
    throw new CliError(
      `model ${model.ModelName} exists and differs from the file (${details.join("; ")}). A model cannot change: give the new one another name (e.g. ${model.ModelName}-v2) and name that in the components' model: field. Nothing was changed.`,
      exitCodes.badInput,
    );
  return { action: "unchanged", kind: "model", name: model.ModelName, details: [] };
}

async function planComponent(sm: SageMakerClient, flags: ServerFlags, c: DesiredComponent, desired: DesiredState): Promise<Change[]> {
  const { input } = c;
  if (c.spec.model && !desired.models.some((m) => m.ModelName === c.spec.model)) {
    const model = await missingAsUndefined(sm.send(new DescribeModelCommand({ ModelName: c.spec.model })));
    if (!model)
      throw new CliError(
        `component ${c.spec.name} names model ${c.spec.model}, which is neither under models: in the file nor on the server. Add it under models:.`,
        exitCodes.badInput,
      );
  }
  const changes: Change[] = [];
  const current = await missingAsUndefined(sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: input.InferenceComponentName })));
  if (!current) {
    changes.push({
      action: "create",
      kind: "inference-component",
      name: input.InferenceComponentName,
      details: [componentText(c)],
      apply: () => sm.send(new CreateInferenceComponentCommand(input)),
    });
  } else {
    if (current.EndpointName !== input.EndpointName)
      throw new CliError(
        `inference component ${input.InferenceComponentName} exists on endpoint ${current.EndpointName}, not ${input.EndpointName}; a component cannot move. Rename it in the file or delete the other one.`,
        exitCodes.badInput,
      );
    const specDetails = specDifferences(c, current);
    // Autoscaling owns the copy count of a component it scales: the file's copies only seed it.
    const copies = c.scalableTarget ? [] : differences([["copies", current.RuntimeConfig?.DesiredCopyCount, input.RuntimeConfig.CopyCount]]);
    const details = [...specDetails, ...copies];
    if (details.length === 0) changes.push({ action: "unchanged", kind: "inference-component", name: input.InferenceComponentName, details: [] });
    else {
      if (current.InferenceComponentStatus !== "InService")
        throw new CliError(
          `inference component ${input.InferenceComponentName} is ${current.InferenceComponentStatus}, and changing it needs it InService. Wait ('berth components') and apply again.`,
        );
      const apply =
        specDetails.length > 0
          ? () =>
              sm.send(
                new UpdateInferenceComponentCommand({
                  InferenceComponentName: input.InferenceComponentName,
                  Specification: input.Specification,
                  ...(copies.length > 0 ? { RuntimeConfig: input.RuntimeConfig } : {}),
                }),
              )
          : () =>
              sm.send(
                new UpdateInferenceComponentRuntimeConfigCommand({
                  InferenceComponentName: input.InferenceComponentName,
                  DesiredRuntimeConfig: input.RuntimeConfig,
                }),
              );
      changes.push({ action: "update", kind: "inference-component", name: input.InferenceComponentName, details, apply });
    }
  }
  if (c.scalableTarget) changes.push(await planTarget(flags, c, current === undefined));
  if (c.policy) changes.push(await planPolicy(flags, c, current === undefined));
  return changes;
}

async function planTarget(flags: ServerFlags, c: DesiredComponent, isNew: boolean): Promise<Change> {
  const target = c.scalableTarget!;
  const found = isNew
    ? undefined
    : (
        await autoscalingCall<{ ScalableTargets?: { MinCapacity: number; MaxCapacity: number }[] }>(flags, "DescribeScalableTargets", {
          ServiceNamespace: "sagemaker",
          ResourceIds: [target.ResourceId],
          ScalableDimension: copyCountDimension,
        })
      ).ScalableTargets?.[0];
  const name = target.ResourceId;
  const apply = () => autoscalingCall(flags, "RegisterScalableTarget", target);
  if (!found) return { action: "create", kind: "scalable-target", name, details: [`copies ${target.MinCapacity}..${target.MaxCapacity}`], apply };
  const details = differences([
    ["minCopies", found.MinCapacity, target.MinCapacity],
    ["maxCopies", found.MaxCapacity, target.MaxCapacity],
  ]);
  return details.length === 0
    ? { action: "unchanged", kind: "scalable-target", name, details }
    : { action: "update", kind: "scalable-target", name, details, apply };
}

async function planPolicy(flags: ServerFlags, c: DesiredComponent, isNew: boolean): Promise<Change> {
  const policy = c.policy!;
  const want = policy.TargetTrackingScalingPolicyConfiguration;
  type Found = { TargetTrackingScalingPolicyConfiguration?: { TargetValue?: number; ScaleInCooldown?: number; ScaleOutCooldown?: number } };
  const found = isNew
    ? undefined
    : (
        await autoscalingCall<{ ScalingPolicies?: Found[] }>(flags, "DescribeScalingPolicies", {
          ServiceNamespace: "sagemaker",
          ResourceId: policy.ResourceId,
          ScalableDimension: copyCountDimension,
          PolicyNames: [policy.PolicyName],
        })
      ).ScalingPolicies?.[0];
  const apply = () => autoscalingCall(flags, "PutScalingPolicy", policy);
  const name = policy.PolicyName;
  if (!found) return { action: "create", kind: "scaling-policy", name, details: [`target ${want.TargetValue} invocations per copy`], apply };
  const was = found.TargetTrackingScalingPolicyConfiguration ?? {};
  const details = differences([
    ["targetInvocationsPerCopy", was.TargetValue, want.TargetValue],
    ["scaleInCooldownSeconds", was.ScaleInCooldown, want.ScaleInCooldown],
    ["scaleOutCooldownSeconds", was.ScaleOutCooldown, want.ScaleOutCooldown],
  ]);
  return details.length === 0
    ? { action: "unchanged", kind: "scaling-policy", name, details }
    : { action: "update", kind: "scaling-policy", name, details, apply };
}

function specDifferences(c: DesiredComponent, current: DescribeInferenceComponentCommandOutput): string[] {
  const want = c.input.Specification;
  const have = current.Specification ?? {};
  const need = want.ComputeResourceRequirements;
  const had = have.ComputeResourceRequirements;
  return differences([
    ["model", have.ModelName, want.ModelName],
    ["image", have.Container?.DeployedImage?.SpecifiedImage, want.Container?.Image],
    ["artifactUrl", have.Container?.ArtifactUrl, want.Container?.ArtifactUrl],
    ["environment", envText(have.Container?.Environment), envText(want.Container?.Environment)],
    ["accelerators", had?.NumberOfAcceleratorDevicesRequired || undefined, need?.NumberOfAcceleratorDevicesRequired],
    ["cpuCores", had?.NumberOfCpuCoresRequired, need?.NumberOfCpuCoresRequired],
    ["memoryMiB", had?.MinMemoryRequiredInMb, need?.MinMemoryRequiredInMb],
    ["placement", have.SchedulingConfig?.PlacementStrategy, want.SchedulingConfig?.PlacementStrategy],
    [
      "startupTimeoutSeconds",
      have.StartupParameters?.ContainerStartupHealthCheckTimeoutInSeconds,
      want.StartupParameters?.ContainerStartupHealthCheckTimeoutInSeconds,
    ],
    ["downloadTimeoutSeconds", have.StartupParameters?.ModelDataDownloadTimeoutInSeconds, want.StartupParameters?.ModelDataDownloadTimeoutInSeconds],
  ]);
}

/** "field: old → new" for each pair that differs; absent shows as "(none)". */
function differences(pairs: [string, unknown, unknown][]): string[] {
  return pairs.filter(([, a, b]) => (a ?? null) !== (b ?? null)).map(([field, a, b]) => `${field}: ${a ?? "(none)"} → ${b ?? "(none)"}`);
}

function envText(env: Record<string, string> | undefined): string | undefined {
  if (!env || Object.keys(env).length === 0) return undefined;
  return Object.keys(env)
    .sort()
    .map((k) => `${k}=${env[k]}`)
    .join(",");
}

function prefixText(v: ProductionVariant): string | undefined {
  const config = v.RoutingConfig?.PrefixAwareRoutingConfig;
  return config && `prefixLength ${config.PrefixLength}, concurrencyThreshold ${config.ConcurrencyThreshold}`;
}

function scalingText(v: ProductionVariant): string | undefined {
  const m = v.ManagedInstanceScaling;
  return m && m.Status !== "DISABLED" ? `${m.MinInstanceCount ?? "?"}..${m.MaxInstanceCount ?? "?"}` : undefined;
}

function variantText(v: ProductionVariant): string {
  const scaling = scalingText(v);
  return `${v.VariantName}: ${v.InitialInstanceCount} × ${v.InstanceType}${scaling ? `, managed scaling ${scaling} instances` : ""}`;
}

function componentText(c: DesiredComponent): string {
  const s = c.spec;
  const parts = [`${s.copies} ${s.copies === 1 ? "copy" : "copies"} of ${s.image ?? `model ${s.model}`}`];
  if (s.accelerators) parts.push(`${s.accelerators} accel`);
  if (s.cpuCores) parts.push(`${s.cpuCores} cpu`);
  parts.push(`${s.memoryMiB} MiB`);
  return parts.join(", ");
}

/** A Describe of something that does not exist answers ValidationException "Could not find ...". */
async function missingAsUndefined<T>(answer: Promise<T>): Promise<T | undefined> {
  try {
    return await answer;
  } catch (error) {
    const e = error as { name?: string; message?: string };
    if (e.name === "ValidationException" && /could not find/i.test(e.message ?? "")) return undefined;
    throw error;
  }
}
