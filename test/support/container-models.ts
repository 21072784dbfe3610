import { chmodSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { CreateInferenceComponentCommand, CreateModelCommand, type SageMakerClient } from "@aws-sdk/client-sagemaker";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { ProductionVariant } from "@aws-sdk/client-sagemaker";
import { startBerth, testArtifactSettings, type BerthProcess } from "./berth-process.js";
import { buildContractImages, removeContainersLabelled } from "./container-images.js";
import { createIcEndpoint, uniqueName, waitForComponent } from "./fixtures.js";
import { invoke } from "./invoke.js";
import { tempDir } from "./temp-dir.js";

/** What examples/container/server.js answers to POST /invocations. */
export interface ContractAnswer {
  version: string;
  argv: string[];
  env: Record<string, string>;
  modelFiles: string[];
  modelFileText?: string;
  modelDirWritable?: boolean;
  writeError?: string;
  body: Record<string, unknown>;
}

/** A model directory under the system temporary directory (one of the test servers' artifacts.localRoots). */
export function modelDirectory(files: Record<string, string>): string {
  const dir = join(tempDir("berth-container-model-"), "model");
  mkdirSync(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  chmodSync(dir, 0o755);
  return dir;
}

export interface ContainerComponentOptions {
  image: string;
  name?: string;
  copies?: number;
  modelEnv?: Record<string, string>;
  componentEnv?: Record<string, string>;
  /** ModelDataUrl of the model: a local directory or a file:// / http artifact. */
  artifact?: string;
  cpu?: number;
  minMemory?: number;
  maxMemory?: number;
  startupTimeoutSeconds?: number;
}

/** CreateModel with the image as its PrimaryContainer, then a component naming that model. */
export async function createContainerComponent(
  sm: SageMakerClient,
  endpoint: string,
  options: ContainerComponentOptions,
  waitFor: string | null = "InService",
  timeoutMs = 120_000,
): Promise<{ name: string; model: string }> {
  const model = await createContainerModel(sm, options);
  const name = options.name ?? uniqueName("ctr");
  await sm.send(
    new CreateInferenceComponentCommand({
      InferenceComponentName: name,
      EndpointName: endpoint,
      VariantName: "AllTraffic",
      Specification: containerSpecification(model, options),
      RuntimeConfig: { CopyCount: options.copies ?? 1 },
    }),
  );
  if (waitFor) await waitForComponent(sm, name, waitFor, timeoutMs);
  return { name, model };
}

export async function createContainerModel(sm: SageMakerClient, options: Pick<ContainerComponentOptions, "image" | "modelEnv" | "artifact">): Promise<string> {
  const model = uniqueName("ctr-model");
  await sm.send(
    new CreateModelCommand({
      ModelName: model,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      PrimaryContainer: { Image: options.image, Environment: options.modelEnv, ModelDataUrl: options.artifact },
    }),
  );
  return model;
}

export function containerSpecification(model: string, options: Omit<ContainerComponentOptions, "image">) {
  return {
    ModelName: model,
    Container: options.componentEnv ? { Environment: options.componentEnv } : undefined,
    StartupParameters: { ContainerStartupHealthCheckTimeoutInSeconds: options.startupTimeoutSeconds ?? 120 },
    ComputeResourceRequirements: {
      NumberOfCpuCoresRequired: options.cpu ?? 1,
      MinMemoryRequiredInMb: options.minMemory ?? 256,
      MaxMemoryRequiredInMb: options.maxMemory,
    },
  };
}

/** One InvokeEndpoint with a JSON body, answered by the example server. */
export async function ask(runtime: SageMakerRuntimeClient, endpoint: string, component: string, body: Record<string, unknown> = {}): Promise<ContractAnswer> {
  const answer = await invoke(runtime, endpoint, component, JSON.stringify(body));
  return JSON.parse(answer.body) as ContractAnswer;
}

/** The test images built, a server that runs other images through podman, and one endpoint on it. */
export async function startContainerServer(options: { config?: Record<string, unknown>; variant?: Partial<ProductionVariant> } = {}) {
  await buildContractImages();
  const berth = await startBerth({ config: { artifacts: testArtifactSettings, containers: { engine: "podman" }, ...options.config } });
  const endpoint = await createIcEndpoint(berth.sagemaker, options.variant ? { variant: options.variant } : {});
  return { berth, endpoint };
}

/** Stops the server and removes whatever containers its endpoint left, whatever the test did. */
export async function stopContainerServer(berth: BerthProcess | undefined, endpoint: string | undefined): Promise<void> {
  await berth?.stop();
  if (endpoint) await removeContainersLabelled(`berth.endpoint=${endpoint}`);
}
