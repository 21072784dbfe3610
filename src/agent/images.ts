import { fileURLToPath } from "node:url";
import type { ImageCommand } from "../config/config.js";

export interface LaunchContext {
  copyId: string;
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
}

export type ContainerRuntime = "docker" | "podman";

export type ImageResolution = { ok: true; describe: string; launch: (ctx: LaunchContext) => LaunchCommand } | { ok: false; reason: string };

const builtIn: Record<string, string> = {
  "berth/echo": "../images/echo/main.js",
  "berth/llm": "../images/llm/main.js",
};

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
    return { ok: true, describe: `built-in ${name}`, launch: (ctx) => ({ command: process.execPath, args: [path, "serve"], env: ctx.environment }) };
  }
  const configured = options.configured[image] ?? options.configured[name];
  if (configured) {
    if (!Array.isArray(configured.command) || configured.command.length === 0) {
      return { ok: false, reason: `The server config maps image '${image}' to an empty command. Give it a command list, e.g. command: ["python3", "serve.py"].` };
    }
    return {
      ok: true,
      describe: `configured command ${configured.command[0]}`,
      launch: (ctx) => {
        const fill = (s: string) => s.replaceAll("{port}", String(ctx.port)).replaceAll("{modelDir}", ctx.modelDir ?? "");
        const [command, ...args] = configured.command.map(fill);
        return { command: command!, args, env: { ...(configured.env ?? {}), ...ctx.environment } };
      },
    };
  }
  if (options.runtime) {
    const runtime = options.runtime;
    return { ok: true, describe: `${runtime} image`, launch: (ctx) => containerLaunch(runtime, image, ctx) };
  }
  return {
    ok: false,
    reason:
      `Berth cannot run image '${image}': it is not a built-in image (berth/echo, berth/llm), the server config maps no command to it, ` +
      `and no usable docker or podman was found. Add it under 'images:' in the config file (image name → command) or install docker/podman.`,
  };
}

export function containerLaunch(runtime: ContainerRuntime, image: string, ctx: LaunchContext): LaunchCommand {
  const name = `berth-${ctx.copyId}`.replace(/[^a-zA-Z0-9_.-]/g, "-");
  const args = ["run", "--rm", "--name", name, "-p", `127.0.0.1:${ctx.port}:${ctx.port}`];
  for (const [key, value] of Object.entries(ctx.environment)) args.push("-e", `${key}=${value}`);
  if (ctx.devices.length > 0) {
    if (runtime === "docker") args.push("--gpus", `"device=${ctx.devices.join(",")}"`);
    else for (const d of ctx.devices) args.push("--device", `nvidia.com/gpu=${d}`);
  }
  if (ctx.modelDir) args.push("-v", `${ctx.modelDir}:/opt/ml/model:ro`);
  if (ctx.memoryLimitMiB) args.push("--memory", `${ctx.memoryLimitMiB}m`);
  if (ctx.cpuCores) args.push("--cpus", String(ctx.cpuCores));
  args.push(image, "serve");
  return { command: runtime, args, env: {}, stop: { command: runtime, args: ["stop", "-t", "30", name] } };
}
