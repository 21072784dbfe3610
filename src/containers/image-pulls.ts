import { spawn, type ChildProcess } from "node:child_process";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import type { ContainersConfig } from "../config/containers.js";
import type { Logger } from "../util/logger.js";
import type { ContainerEngine } from "./engine.js";
import { registryAllowed, registryOf } from "./image-reference.js";
import { lastLines, runTool } from "../util/run-tool.js";

/** Why a copy's image cannot be had on this host; the copy fails at once with this as its reason. */
export class ImageUnavailableError extends Error {}

const progressEveryMs = 15_000;

/** Starts an engine client so that it dies with the agent (the copy sandbox's parent-death signal). */
export type ClientWrapper = (command: string, args: string[]) => { command: string; args: string[] };

/**
 * Makes sure an image is on this host before a copy runs it: a local image is used as it is; a missing
 * one is pulled once (copies that need it meanwhile wait on the same pull), from an allowed registry,
 * with the configured credentials, each line of the engine's progress going to the log.
 */
export class ImagePulls {
  readonly #engine: ContainerEngine;
  readonly #settings: Pick<ContainersConfig, "allowedRegistries" | "registryAuthFile">;
  readonly #log: Logger;
  readonly #env: () => NodeJS.ProcessEnv;
  readonly #wrap: ClientWrapper;
  readonly #workDir: string;
  readonly #pulling = new Map<string, Promise<void>>();
  readonly #running = new Set<ChildProcess>();

  constructor(options: {
    engine: ContainerEngine;
    settings: Pick<ContainersConfig, "allowedRegistries" | "registryAuthFile">;
    log: Logger;
    env: () => NodeJS.ProcessEnv;
    wrap: ClientWrapper;
    /** The clients' working directory (Berth's own folder, not wherever the server was started). */
    workDir: string;
  }) {
    this.#workDir = options.workDir;
    this.#engine = options.engine;
    this.#settings = options.settings;
    this.#log = options.log;
    this.#env = options.env;
    this.#wrap = options.wrap;
  }

  /** Ends pulls under way (the agent is stopping); copies waiting on them fail, and nothing is left running. */
  stop(): void {
    for (const child of this.#running) child.kill("SIGTERM");
  }

  async ensure(image: string): Promise<void> {
    const present = await runTool(this.#engine.kind, ["image", "inspect", "--format={{.Id}}", "--", image], { env: this.#env(), timeoutMs: 30_000 });
    if (present.ok) return;
    let pull = this.#pulling.get(image);
    if (!pull) {
      pull = this.#pull(image).finally(() => this.#pulling.delete(image));
      this.#pulling.set(image, pull);
    }
    await pull;
  }

  async #pull(image: string): Promise<void> {
    const registry = registryOf(image);
    if (!registryAllowed(registry, this.#settings.allowedRegistries)) {
      throw new ImageUnavailableError(
        `Image '${image}' is not on this host, and its registry ${registry} is not in containers.allowedRegistries ` +
          `(${this.#settings.allowedRegistries.length > 0 ? this.#settings.allowedRegistries.join(", ") : "empty"}), so Berth will not pull it. ` +
          `Add '${registry}' to containers.allowedRegistries in the config file, or load the image on every host (${this.#engine.kind} load / ${this.#engine.kind} pull).`,
      );
    }
    const auth = this.#settings.registryAuthFile;
    const args =
      this.#engine.kind === "podman"
        ? ["pull", ...(auth ? [`--authfile=${auth}`] : []), "--", image]
        : [...(auth ? [`--config=${dirname(auth)}`] : []), "pull", "--", image];
    await mkdir(this.#workDir, { recursive: true, mode: 0o700 });
    this.#log.info(`pulling image ${image} from ${registry} with ${this.#engine.kind}${auth ? ` (credentials from ${auth})` : ""}`);
    const started = Date.now();
    const output: string[] = [];
    const code = await new Promise<number | null>((resolve) => {
      const wrapped = this.#wrap(this.#engine.kind, args);
      const child = spawn(wrapped.command, wrapped.args, { env: this.#env(), cwd: this.#workDir, stdio: ["ignore", "pipe", "pipe"] });
      this.#running.add(child);
      const onData = (chunk: Buffer) => {
        for (const line of chunk.toString("utf8").split(/[\r\n]+/)) {
          const text = line.trim();
          if (text === "") continue;
          output.push(text.slice(0, 500));
          if (output.length > 20) output.shift();
          this.#log.info(`pulling image ${image}: ${text}`);
        }
      };
      child.stdout.on("data", onData);
      child.stderr.on("data", onData);
      const progress = setInterval(
        () => this.#log.info(`still pulling image ${image} (${Math.round((Date.now() - started) / 1000)} s so far)`),
        progressEveryMs,
      );
      progress.unref();
      child.once("error", (error) => {
        output.push(error.message);
        clearInterval(progress);
        resolve(null);
      });
      child.once("close", (exitCode) => {
        this.#running.delete(child);
        clearInterval(progress);
        resolve(exitCode);
      });
    });
    if (code === 0) {
      this.#log.info(`pulled image ${image} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
      return;
    }
    const said = lastLines(output.join("\n"), 2) || `${this.#engine.kind} pull exited with code ${code}`;
    throw new ImageUnavailableError(`Could not pull image '${image}' from ${registry}: ${said}. ${pullAdvice(said, registry, auth, this.#engine.kind)}`);
  }
}

function pullAdvice(said: string, registry: string, auth: string | undefined, engine: string): string {
  const text = said.toLowerCase();
  if (/unauthorized|authentication required|denied|401|403/.test(text))
    return auth
      ? `Check the credentials for ${registry} in ${auth} (containers.registryAuthFile, docker config.json format), and that they may read this repository.`
      : `The registry wants credentials: put them for ${registry} in a docker config.json-format file and name it in containers.registryAuthFile.`;
  if (/manifest unknown|not found|name unknown|no such image/.test(text)) return `Check the image name and tag: ${registry} does not have it.`;
  if (/http response to https client/.test(text))
    return `${registry} serves plain HTTP: mark it insecure in registries.conf ([[registry]] location = "${registry}" insecure = true), or serve it over HTTPS.`;
  if (/x509|certificate/.test(text)) return `The registry's TLS certificate is not trusted on this host: install its CA certificate for ${engine}.`;
  if (/connection refused|no such host|timeout|network is unreachable|i\/o timeout|dial tcp/.test(text))
    return `Check that ${registry} is reachable from this host, or load the image on every host with ${engine} load.`;
  return `Pull it by hand on this host (${engine} pull ${registry}/…) to see the whole error, then update the component to retry.`;
}
