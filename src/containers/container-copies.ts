import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { ContainersConfig } from "../config/containers.js";
import type { Logger } from "../util/logger.js";
import type { ContainerEngine } from "./engine.js";
import { ImagePulls, type ClientWrapper } from "./image-pulls.js";
import { containerName } from "./labels.js";
import { removeLeftoverContainers } from "./leftovers.js";
import { containerRunArgs, environmentFile, type ContainerRunContext } from "./run-command.js";
import { runTool } from "../util/run-tool.js";

export interface ContainerLaunch {
  command: string;
  args: string[];
  /** conmon writes an `oom` file into its client's working directory on a memory kill; keep it in Berth's own folder. */
  cwd: string;
  /** Stops the container through the engine (the client passes signals on, but a stop must not depend on it). */
  stop: { command: string; args: string[] };
  /** Removes what the run left: the container, should --rm not have, and its environment file. */
  cleanUp: () => Promise<void>;
}

/**
 * The agent's side of running copies as containers: one engine for the host, shared image pulls, the
 * private folder of environment files, and the leftovers of a previous run.
 */
export class ContainerCopies {
  readonly engine: ContainerEngine;
  readonly #settings: ContainersConfig;
  readonly #pulls: ImagePulls;
  readonly #envDir: string;
  readonly #clientEnv: () => NodeJS.ProcessEnv;

  constructor(options: {
    engine: ContainerEngine;
    settings: ContainersConfig;
    log: Logger;
    envDir: string;
    clientEnv: () => NodeJS.ProcessEnv;
    wrapClient: ClientWrapper;
  }) {
    this.engine = options.engine;
    this.#settings = options.settings;
    this.#envDir = options.envDir;
    this.#clientEnv = options.clientEnv;
    this.#pulls = new ImagePulls({
      engine: options.engine,
      settings: options.settings,
      log: options.log,
      env: options.clientEnv,
      wrap: options.wrapClient,
      workDir: options.envDir,
    });
  }

  /** The agent is stopping: pulls under way end with it. */
  stop(): void {
    this.#pulls.stop();
  }

  get describe(): string {
    return `${this.engine.kind} ${this.engine.version}`;
  }

  ensureImage(image: string): Promise<void> {
    return this.#pulls.ensure(image);
  }

  /** Writes the copy's environment to a file only the agent's user can read (never onto a command line others can see). */
  async launch(
    image: string,
    ctx: Omit<ContainerRunContext, "envFile" | "inlineEnvironment" | "operatorArgs">,
    environment: Record<string, string>,
  ): Promise<ContainerLaunch> {
    await mkdir(this.#envDir, { recursive: true, mode: 0o700 });
    const envFile = join(this.#envDir, `${containerName(ctx.copyId)}.env`);
    const { text, inline } = environmentFile(environment);
    await writeFile(envFile, text, { mode: 0o600 });
    const name = containerName(ctx.copyId);
    const kind = this.engine.kind;
    const env = this.#clientEnv();
    return {
      command: kind,
      cwd: this.#envDir,
      args: containerRunArgs(this.engine, image, { ...ctx, envFile, inlineEnvironment: inline, operatorArgs: this.#settings.runArgs }),
      stop: { command: kind, args: ["stop", "--time=30", "--", name] },
      cleanUp: async () => {
        await rm(envFile, { force: true });
        await runTool(kind, ["rm", "--force", "--", name], { env, timeoutMs: 60_000 });
      },
    };
  }

  /** Removes the containers and environment files a previous run of this agent left behind. */
  async removeLeftovers(agentLabel: string, log: Logger): Promise<void> {
    await removeLeftoverContainers(this.engine, agentLabel, log, this.#clientEnv());
    await rm(this.#envDir, { recursive: true, force: true });
  }
}
