import { isAbsolute, basename, resolve } from "node:path";
import { ConfigError } from "./errors.js";

export type ContainerEngineSetting = "auto" | "podman" | "docker" | "none";

/** How copies of images that are neither built in nor mapped under `images:` run (config group `containers`). */
export interface ContainersConfig {
  /** auto: podman, then docker, whichever engine answers first. none: such images are refused. */
  engine: ContainerEngineSetting;
  /** Registries missing images may be pulled from ("*" any, "*.example.com" a domain's hosts); images already on the host always run. */
  allowedRegistries: string[];
  /** Registry credentials in docker's config.json format, passed to every pull. */
  registryAuthFile?: string;
  /** Arguments an operator adds to every container run (trusted, e.g. "--userns=auto"). */
  runArgs: string[];
}

export const defaultContainers: ContainersConfig = {
  engine: "auto",
  allowedRegistries: [],
  registryAuthFile: undefined,
  runArgs: [],
};

const engines: ContainerEngineSetting[] = ["auto", "podman", "docker", "none"];

export function checkContainers(raw: unknown): ContainersConfig {
  if (raw === undefined || raw === null) return { ...defaultContainers };
  if (typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`containers must be a mapping of settings, e.g. "containers: { engine: podman, allowedRegistries: [registry.example.com] }".`);
  const known = Object.keys(defaultContainers);
  for (const key of Object.keys(raw))
    if (!known.includes(key)) throw new ConfigError(`containers: unknown setting '${key}'. Known settings: ${known.join(", ")}.`);
  const merged = { ...defaultContainers, ...(raw as Partial<ContainersConfig>) };
  const engine = String(merged.engine) as ContainerEngineSetting;
  if (!engines.includes(engine)) throw new ConfigError(`containers.engine must be one of ${engines.join(", ")}, got '${merged.engine}'.`);
  const strings = (name: keyof ContainersConfig, value: unknown) => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== ""))
      throw new ConfigError(`containers.${name} must be a list of non-empty strings.`);
    return value as string[];
  };
  const allowedRegistries = strings("allowedRegistries", merged.allowedRegistries).map((r) => r.toLowerCase());
  for (const registry of allowedRegistries) {
    if (!/^(\*|(\*\.)?[a-z0-9.-]+(:\d{1,5})?)$/.test(registry))
      throw new ConfigError(`containers.allowedRegistries: '${registry}' is not a registry host[:port], '*.domain' or '*'.`);
  }
  let registryAuthFile: string | undefined;
  if (merged.registryAuthFile !== undefined && merged.registryAuthFile !== null && merged.registryAuthFile !== "") {
    const file = String(merged.registryAuthFile);
    if (!isAbsolute(file) && file.startsWith("-")) throw new ConfigError(`containers.registryAuthFile must be a file path, got '${file}'.`);
    registryAuthFile = resolve(file);
    if (engine === "docker" && basename(registryAuthFile) !== "config.json")
      throw new ConfigError(
        `containers.registryAuthFile must be named config.json for docker (docker reads it from its --config folder), got '${registryAuthFile}'.`,
      );
  }
  return { engine, allowedRegistries, registryAuthFile, runArgs: strings("runArgs", merged.runArgs) };
}
