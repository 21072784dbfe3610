import type { DeviceInfo } from "../domain/resources.js";
import type { ContainerEngine } from "./engine.js";
import { containerLabels, containerName } from "./labels.js";

/** A real device a container gets: a GPU by index, a MIG instance by UUID (docker) or "<gpu>:<device>" (CDI's index names). */
export type ContainerDevice = Pick<DeviceInfo, "index" | "uuid" | "mig">;

/** The port every SageMaker serving container listens on inside its own network namespace. */
export const containerPort = 8080;

export interface ContainerRunContext {
  copyId: string;
  endpointName: string;
  ownerName: string;
  agentLabel: string;
  /** The host port (on 127.0.0.1) published to the container's 8080. */
  hostPort: number;
  modelDir?: string;
  devices: ContainerDevice[];
  memoryLimitMiB?: number;
  cpuCores?: number;
  /** A private file holding the environment lines that can travel in one (see environmentFile). */
  envFile: string;
  /** Variables an env file cannot hold (a value with a line break); they go on the command line. */
  inlineEnvironment: Record<string, string>;
  /** Trusted options from containers.runArgs. */
  operatorArgs: string[];
}

/** Splits a copy's environment into env-file text and the few variables an env file cannot carry. */
export function environmentFile(environment: Record<string, string>): { text: string; inline: Record<string, string> } {
  const lines: string[] = [];
  const inline: Record<string, string> = {};
  for (const [key, value] of Object.entries(environment)) {
    if (/^[A-Za-z_][A-Za-z0-9_.-]*$/.test(key) && !/[\r\n]/.test(value)) lines.push(`${key}=${value}`);
    else inline[key] = value;
  }
  return { text: lines.length > 0 ? `${lines.join("\n")}\n` : "", inline };
}

/**
 * The SageMaker hosting contract as a `run` command line: `serve` as the argument, port 8080 published on
 * a free host port, the artifact read-only at /opt/ml/model, limits from the copy's reservation, its
 * accelerators, an init process (so a stop takes effect on servers that ignore SIGTERM as PID 1) and
 * labels naming the copy. Every value is joined to its option and "--" ends the options, so neither a
 * value nor the image name can be read as an option. The image must already be on the host.
 */
export function containerRunArgs(engine: ContainerEngine, image: string, ctx: ContainerRunContext): string[] {
  const args = ["run", "--rm", "--init", `--name=${containerName(ctx.copyId)}`, "--pull=never", "--security-opt=no-new-privileges"];
  args.push(`--publish=127.0.0.1:${ctx.hostPort}:${containerPort}`);
  args.push(`--label=${containerLabels.copy}=${ctx.copyId}`, `--label=${containerLabels.endpoint}=${ctx.endpointName}`);
  args.push(`--label=${containerLabels.component}=${ctx.ownerName}`, `--label=${containerLabels.agent}=${ctx.agentLabel}`);
  // The agent reads the container's output from the client and keeps it within bounds (CopyLogs, the server
  // log's output budget); the engine's own log file of it would grow on disk for as long as the container runs.
  args.push("--log-driver=none");
  args.push(`--env-file=${ctx.envFile}`);
  for (const [key, value] of Object.entries(ctx.inlineEnvironment)) args.push(`--env=${key}=${value}`);
  if (ctx.devices.length > 0) {
    // docker parses --gpus as CSV, so a list of devices must be quoted inside the value.
    if (engine.kind === "docker") args.push(`--gpus="device=${ctx.devices.map((d) => (d.mig && d.uuid ? d.uuid : d.index)).join(",")}"`);
    else for (const d of ctx.devices) args.push(`--device=nvidia.com/gpu=${d.mig ? `${d.mig.gpu}:${d.mig.device}` : d.index}`);
  }
  if (ctx.modelDir) args.push(`--volume=${ctx.modelDir}:/opt/ml/model:ro`);
  if (ctx.memoryLimitMiB) args.push(`--memory=${ctx.memoryLimitMiB}m`);
  if (ctx.cpuCores) args.push(`--cpus=${ctx.cpuCores}`);
  args.push(...engine.hostRunArgs, ...ctx.operatorArgs);
  args.push("--", image, "serve");
  return args;
}
