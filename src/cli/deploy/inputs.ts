import { createHash } from "node:crypto";
import type { ContainerDefinition, InferenceComponentSpecification, ProductionVariant, RoutingStrategy } from "@aws-sdk/client-sagemaker";
import { applicationAutoscalingModel } from "../../api/shapes/application-autoscaling.generated.js";
import { sagemakerModel } from "../../api/shapes/sagemaker.generated.js";
import { ShapeValidator } from "../../api/shapes/validate.js";
import { sageMakerDeviations } from "../../api/sagemaker/service.js";
import { copyNeeds, copyShortfalls } from "../../domain/component-spec.js";
import { InstanceCatalog } from "../../domain/catalog/instance-catalog.js";
import type { ComputeResourceRequirements } from "../../domain/compute.js";
import { describeShortfalls } from "../../domain/errors/sagemaker.js";
import { AppFileError, type AppSpec, type ComponentSpec, type EndpointSpec, type ModelSpec } from "./app-file.js";

export const copyCountDimension = "sagemaker:inference-component:DesiredCopyCount";

/** The API inputs a file stands for, each checked against the same generated shapes the server checks. */
export interface DesiredState {
  endpointConfig: { EndpointConfigName: string; ProductionVariants: ProductionVariant[]; ExecutionRoleArn?: string };
  endpoint: { EndpointName: string; EndpointConfigName: string };
  models: { ModelName: string; PrimaryContainer: ContainerDefinition; ExecutionRoleArn?: string }[];
  components: DesiredComponent[];
}

export interface DesiredComponent {
  spec: ComponentSpec;
  input: {
    InferenceComponentName: string;
    EndpointName: string;
    VariantName: string;
    Specification: InferenceComponentSpecification;
    RuntimeConfig: { CopyCount: number };
  };
  scalableTarget?: { ServiceNamespace: "sagemaker"; ResourceId: string; ScalableDimension: string; MinCapacity: number; MaxCapacity: number };
  policy?: {
    PolicyName: string;
    ServiceNamespace: "sagemaker";
    ResourceId: string;
    ScalableDimension: string;
    PolicyType: "TargetTrackingScaling";
    TargetTrackingScalingPolicyConfiguration: {
      TargetValue: number;
      PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" };
      ScaleInCooldown?: number;
      ScaleOutCooldown?: number;
    };
  };
}

export function desiredState(app: AppSpec, file: string): DesiredState {
  const variant = productionVariant(app.endpoint);
  const configName = endpointConfigName(app.endpoint.name, variant, app.endpoint.executionRoleArn);
  const state: DesiredState = {
    endpointConfig: compact({ EndpointConfigName: configName, ProductionVariants: [variant], ExecutionRoleArn: app.endpoint.executionRoleArn }),
    endpoint: { EndpointName: app.endpoint.name, EndpointConfigName: configName },
    models: app.models.map((m) => modelInput(m, app.endpoint)),
    components: app.components.map((c) => component(c, app.endpoint)),
  };
  checkShapes(state, app, file);
  checkCopiesFit(state, app, file);
  return state;
}

function productionVariant(e: EndpointSpec): ProductionVariant {
  return compact({
    VariantName: e.variant,
    InstanceType: e.instanceType as ProductionVariant["InstanceType"],
    InitialInstanceCount: e.instanceCount,
    ManagedInstanceScaling: e.managedInstanceScaling && {
      Status: "ENABLED" as const,
      MinInstanceCount: e.managedInstanceScaling.minInstanceCount,
      MaxInstanceCount: e.managedInstanceScaling.maxInstanceCount,
    },
    RoutingConfig: e.routing
      ? compact({
          RoutingStrategy: e.routing as RoutingStrategy,
          PrefixAwareRoutingConfig: e.prefixAware && {
            PrefixLength: e.prefixAware.prefixLength,
            ConcurrencyThreshold: e.prefixAware.concurrencyThreshold,
          },
        })
      : undefined,
  });
}

/** Endpoint configs cannot change: a new content gets a new name, and the same content keeps its name, so a re-apply finds it. */
function endpointConfigName(endpoint: string, variant: ProductionVariant, role: string | undefined): string {
  const hash = createHash("sha256")
    .update(JSON.stringify([variant, role ?? null]))
    .digest("hex")
    .slice(0, 8);
  return `${endpoint.slice(0, 54)}-${hash}`;
}

function modelInput(m: ModelSpec, e: EndpointSpec): DesiredState["models"][number] {
  return compact({
    ModelName: m.name,
    PrimaryContainer: compact({ Image: m.image, ModelDataUrl: m.modelDataUrl, Environment: m.environment }),
    ExecutionRoleArn: e.executionRoleArn,
  });
}

function component(c: ComponentSpec, e: EndpointSpec): DesiredComponent {
  const resourceId = `inference-component/${c.name}`;
  const startup = compact({
    ContainerStartupHealthCheckTimeoutInSeconds: c.startupTimeoutSeconds,
    ModelDataDownloadTimeoutInSeconds: c.downloadTimeoutSeconds,
  });
  const out: DesiredComponent = {
    spec: c,
    input: {
      InferenceComponentName: c.name,
      EndpointName: e.name,
      VariantName: e.variant,
      Specification: compact({
        ModelName: c.model,
        Container: c.image ? compact({ Image: c.image, ArtifactUrl: c.artifactUrl, Environment: c.environment }) : undefined,
        ComputeResourceRequirements: compact({
          NumberOfAcceleratorDevicesRequired: c.accelerators || undefined,
          NumberOfCpuCoresRequired: c.cpuCores,
          MinMemoryRequiredInMb: c.memoryMiB,
        }),
        StartupParameters: Object.keys(startup).length > 0 ? startup : undefined,
        SchedulingConfig: c.placement ? { PlacementStrategy: c.placement as "SPREAD" | "BINPACK" } : undefined,
      }),
      RuntimeConfig: { CopyCount: c.copies },
    },
  };
  if (c.scaling) {
    out.scalableTarget = {
      ServiceNamespace: "sagemaker",
      ResourceId: resourceId,
      ScalableDimension: copyCountDimension,
      MinCapacity: c.scaling.minCopies,
      MaxCapacity: c.scaling.maxCopies,
    };
    if (c.scaling.targetInvocationsPerCopy !== undefined)
      out.policy = {
        PolicyName: `${c.name}-invocations-per-copy`,
        ServiceNamespace: "sagemaker",
        ResourceId: resourceId,
        ScalableDimension: copyCountDimension,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: compact({
          TargetValue: c.scaling.targetInvocationsPerCopy,
          PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" as const },
          ScaleInCooldown: c.scaling.scaleInCooldownSeconds,
          ScaleOutCooldown: c.scaling.scaleOutCooldownSeconds,
        }),
      };
  }
  return out;
}

const sageMaker = new ShapeValidator(sagemakerModel, sageMakerDeviations);
const autoscaling = new ShapeValidator(applicationAutoscalingModel);

/** The server would refuse these inputs with a ValidationException: say so now, naming the file's entry, before anything changes. */
function checkShapes(state: DesiredState, app: AppSpec, file: string): void {
  const problems: string[] = [];
  const check = (validator: ShapeValidator, shape: string, input: unknown, where: string) => {
    try {
      for (const v of validator.validate(shape, input).violations) problems.push(`${where}: ${v}`);
    } catch (error) {
      problems.push(`${where}: ${(error as Error).message}`);
    }
  };
  check(sageMaker, "CreateEndpointConfigInput", state.endpointConfig, `endpoint (${app.endpoint.name})`);
  state.models.forEach((m, i) => check(sageMaker, "CreateModelInput", m, `models[${i}] (${m.ModelName})`));
  state.components.forEach((c, i) => {
    const where = `components[${i}] (${c.spec.name})`;
    check(sageMaker, "CreateInferenceComponentInput", c.input, where);
    if (c.scalableTarget) check(autoscaling, "RegisterScalableTargetRequest", c.scalableTarget, `${where}.scaling`);
    if (c.policy) check(autoscaling, "PutScalingPolicyRequest", c.policy, `${where}.scaling`);
  });
  if (problems.length > 0) throw new AppFileError(file, problems);
}

/** The catalog's types only: a type the server adds in its config (`instanceTypes`) is unknown here, and not checked. */
const catalog = new InstanceCatalog();
/**
 * The server keeps `memoryHeadroomFraction` of each instance's memory back (10% unless configured), and the CLI
 * cannot know its setting: memory is checked against the whole instance, so no file the server accepts is refused.
 */
const wholeInstance = { memoryHeadroomFraction: 0 };

/**
 * CreateInferenceComponent and UpdateInferenceComponent refuse a component one copy of which cannot fit one
 * empty instance of the endpoint's type: check every component with the server's own rule before anything
 * changes, so a file with one too large leaves the endpoint, its config and the other components as they were.
 */
function checkCopiesFit(state: DesiredState, app: AppSpec, file: string): void {
  const type = catalog.get(app.endpoint.instanceType);
  if (!type) return;
  const problems: string[] = [];
  state.components.forEach((c, i) => {
    const requirements = c.input.Specification.ComputeResourceRequirements;
    if (!requirements || requirements.MinMemoryRequiredInMb === undefined) return;
    const short = copyShortfalls(copyNeeds(requirements as ComputeResourceRequirements), type, wholeInstance);
    if (short.length > 0)
      problems.push(
        `components[${i}] (${c.spec.name}): one copy needs more than one ${type.instanceType} instance has (${describeShortfalls(short)}). ` +
          `Lower the component's ${short.map((s) => fileField[s.resource]).join(", ")}, or use a larger endpoint.instanceType.`,
      );
  });
  if (problems.length > 0) throw new AppFileError(file, problems);
}

const fileField = { accelerators: "accelerators", cpuMillis: "cpuCores", memoryMiB: "memoryMiB" } as const;

/** Drops undefined members, so inputs compare and print as the server echoes them. */
export function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;
}
