import { fileURLToPath } from "node:url";
import type { ImageCommand } from "../config/config.js";

export interface LaunchContext {
  copyId: string;
  /** The endpoint and component (or variant) the copy serves, for container labels. */
  endpointName: string;
  ownerName: string;
  /** Names this agent's copies (its copies dir), so a restarted agent finds its own containers. */
  agentLabel: string;
  port: number;
  modelDir?: string;
  /** Accelerator device indices assigned to the copy. */
  devices: number[];
  environment: Record<string, string>;
  memoryLimitMiB?: number;
  cpuCores?: number;
}

export interface LaunchCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
  /** Container runs are stopped through the runtime, not by signalling the client process alone. */
  stop?: { command: string; args: string[] };
  /** True for a process on the host (it runs as the copy user, with a vetted environment). */
  onHost: boolean;
}

export type ContainerRuntime = "docker" | "podman";

export type ImageResolution = { ok: true; describe: string; onHost: boolean; launch: (ctx: LaunchContext) => LaunchCommand } | { ok: false; reason: string };

const builtIn: Record<string, string> = {
  "berth/echo": "../images/echo/main.js",
  "berth/llm": "../images/llm/main.js",
};

/** The files a built-in image's copy must be able to read: Node itself and the image's entry script. */
export function builtInFiles(): string[] {
  return [process.execPath, ...Object.values(builtIn).map((script) => fileURLToPath(new URL(script, import.meta.url)))];
}

function withoutTag(image: string): string {
  const slash = image.lastIndexOf("/");
  const colon = image.lastIndexOf(":");
  return colon > slash ? image.slice(0, colon) : image;
}

/**
 * Decides how an image runs: Berth's built-in images as Node processes, configured images as the
 * command the config names, anything else through docker or podman when one is usable here.
 */
export function resolveImage(image: string, options: { configured: Record<string, ImageCommand>; runtime?: ContainerRuntime }): ImageResolution {
  const name = withoutTag(image);
  const script = builtIn[name];
  if (script) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    return {
      ok: true,
      describe: `built-in ${name}`,
      onHost: true,
      launch: (ctx) => ({ command: process.execPath, args: [path, "serve"], env: ctx.environment, onHost: true }),
    };
  }
  const configured = options.configured[image] ?? options.configured[name];
  if (configured) {
    if (!Array.isArray(configured.command) || configured.command.length === 0) {
      return {
        ok: false,
        reason: `The server config maps image '${image}' to an empty command. Give it a command list, e.g. command: ["python3", "serve.py"].`,
      };
    }
    return {
      ok: true,
      describe: `configured command ${configured.command[0]}`,
      onHost: true,
      launch: (ctx) => {
        const fill = (s: string) => s.replaceAll("{port}", String(ctx.port)).replaceAll("{modelDir}", ctx.modelDir ?? "");
        const [command, ...args] = configured.command.map(fill);
        return { command: command!, args, env: { ...(configured.env ?? {}), ...ctx.environment }, onHost: true };
      },
    };
  }
  if (options.runtime) {
    const runtime = options.runtime;
    return { ok: true, describe: `${runtime} image`, onHost: false, launch: (ctx) => containerLaunch(runtime, image, ctx) };
  }
  return {
    ok: false,
    reason:
      `Berth cannot run image '${image}': it is not a built-in image (berth/echo, berth/llm), the server config maps no command to it, ` +
      `and no usable docker or podman was found. Add it under 'images:' in the config file (image name → command) or install docker/podman.`,
  };
}

/** True when copies of an image run in docker/podman: it is neither built in nor mapped to a command in the config. */
export function runsInContainer(image: string, configured: Record<string, ImageCommand>): boolean {
  const name = withoutTag(image);
  return builtIn[name] === undefined && configured[image] === undefined && configured[name] === undefined;
}

export const containerLabels = { copy: "berth.copy", endpoint: "berth.endpoint", component: "berth.component", agent: "berth.agent" } as const;

export function containerName(copyId: string): string {
  return `berth-${copyId}`.replace(/[^a-zA-Z0-9_.-]/g, "-");
}

/**
 * Every value is joined to its option (--env=K=V), so no value can be read as an option, and "--" ends
 * the options before the image, so no image name can be read as one either.
 */
export function containerLaunch(runtime: ContainerRuntime, image: string, ctx: LaunchContext): LaunchCommand {
  const name = containerName(ctx.copyId);
  const args = ["run", "--rm", `--name=${name}`, `--publish=127.0.0.1:${ctx.port}:${ctx.port}`];
  args.push(`--label=${containerLabels.copy}=${ctx.copyId}`, `--label=${containerLabels.endpoint}=${ctx.endpointName}`);
  args.push(`--label=${containerLabels.component}=${ctx.ownerName}`, `--label=${containerLabels.agent}=${ctx.agentLabel}`);
  for (const [key, value] of Object.entries(ctx.environment)) args.push(`--env=${key}=${value}`);
  if (ctx.devices.length > 0) {
    if (runtime === "docker") args.push(`--gpus="device=${ctx.devices.join(",")}"`);
    else for (const d of ctx.devices) args.push(`--device=nvidia.com/gpu=${d}`);
  }
  if (ctx.modelDir) args.push(`--volume=${ctx.modelDir}:/opt/ml/model:ro`);
  if (ctx.memoryLimitMiB) args.push(`--memory=${ctx.memoryLimitMiB}m`);
  if (ctx.cpuCores) args.push(`--cpus=${ctx.cpuCores}`);
  args.push("--", image, "serve");
  return { command: runtime, args, env: {}, stop: { command: runtime, args: ["stop", "--time=30", "--", name] }, onHost: false };
}
