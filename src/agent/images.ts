import { fileURLToPath } from "node:url";
import type { ImageCommand } from "../config/config.js";
import type { ContainerCopies } from "../containers/container-copies.js";

export interface LaunchContext {
  port: number;
  modelDir?: string;
  environment: Record<string, string>;
}

/** A model server started as a process on the host. */
export interface LaunchCommand {
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * `parkable`: a stopped copy's process may be kept running for the next copy of its version (src/agent/parked-engines.ts);
 * `sleep`: the paths that put it to sleep when parked and wake it when taken over (src/agent/engine-sleep.ts).
 */
export type ProcessImage = {
  ok: true;
  kind: "process";
  describe: string;
  parkable: boolean;
  sleep?: { sleepPath: string; wakePath: string };
  launch: (ctx: LaunchContext) => LaunchCommand;
};
export type ContainerImage = { ok: true; kind: "container"; describe: string; image: string; containers: ContainerCopies };
export type ImageResolution = ProcessImage | ContainerImage | { ok: false; reason: string };

const builtIn: Record<string, string> = {
  "berth/echo": "../images/echo/main.js",
  "berth/llm": "../images/llm/main.js",
};

/** Built-in images whose start is worth keeping: loading the model is most of it. */
const parkableBuiltIn = new Set(["berth/llm"]);

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
export function resolveImage(
  image: string,
  options: { configured: Record<string, ImageCommand>; containers?: ContainerCopies; noEngineWhy?: string },
): ImageResolution {
  const name = withoutTag(image);
  const script = builtIn[name];
  if (script) {
    const path = fileURLToPath(new URL(script, import.meta.url));
    return {
      ok: true,
      describe: `built-in ${name}`,
      kind: "process",
      parkable: parkableBuiltIn.has(name),
      launch: (ctx) => ({ command: process.execPath, args: [path, "serve"], env: ctx.environment }),
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
    const sleep = sleepPaths(image, configured);
    if (typeof sleep === "string") return { ok: false, reason: sleep };
    return {
      ok: true,
      describe: `configured command ${configured.command[0]}`,
      kind: "process",
      parkable: configured.parkable === true,
      ...(sleep && { sleep }),
      launch: (ctx) => {
        const fill = (s: string) => s.replaceAll("{port}", String(ctx.port)).replaceAll("{modelDir}", ctx.modelDir ?? "");
        const [command, ...args] = configured.command.map(fill);
        return { command: command!, args, env: { ...(configured.env ?? {}), ...ctx.environment } };
      },
    };
  }
  if (options.containers) return { ok: true, kind: "container", describe: `${options.containers.describe} container`, image, containers: options.containers };
  return {
    ok: false,
    reason:
      `Berth cannot run image '${image}' on this host: it is not a built-in image (berth/echo, berth/llm), the server config maps no command to it, ` +
      `and no container engine is usable (${options.noEngineWhy ?? "none was found"}). Install podman (apt-get install podman runc catatonit) or docker, ` +
      `or add the image under 'images:' in the config file (image name → command).`,
  };
}

/** True when copies of an image run in docker/podman: it is neither built in nor mapped to a command in the config. */
export function runsInContainer(image: string, configured: Record<string, ImageCommand>): boolean {
  const name = withoutTag(image);
  return builtIn[name] === undefined && configured[image] === undefined && configured[name] === undefined;
}

/** A configured image's sleep and wake paths; a string says what is wrong with them. */
function sleepPaths(image: string, configured: ImageCommand): { sleepPath: string; wakePath: string } | undefined | string {
  const { sleepPath, wakePath } = configured;
  if (sleepPath === undefined && wakePath === undefined) return undefined;
  const fix = `Give both as paths on the engine's port, e.g. sleepPath: /sleep?level=1 and wakePath: /wake_up, with parkable: true.`;
  if (configured.parkable !== true)
    return `The server config gives image '${image}' a sleepPath or wakePath but not parkable: true; they are used only for parked engines. ${fix}`;
  if (typeof sleepPath !== "string" || typeof wakePath !== "string")
    return `The server config gives image '${image}' only one of sleepPath and wakePath. ${fix}`;
  if (!sleepPath.startsWith("/") || !wakePath.startsWith("/"))
    return `The server config's sleepPath and wakePath for image '${image}' must start with '/'. ${fix}`;
  return { sleepPath, wakePath };
}
