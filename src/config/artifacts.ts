import { isAbsolute, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { ArtifactSettings } from "../artifacts/settings.js";
import { ConfigError } from "./errors.js";

const gib = 1024 * 1024 * 1024;

/**
 * Berth's own models folder (demo adapter, demo LLM) and the container example's model data, so the
 * README examples work without configuring roots.
 */
const bundledModels = fileURLToPath(new URL("../../../models", import.meta.url));
const containerExampleModel = fileURLToPath(new URL("../../../examples/container/model", import.meta.url));

export const defaultArtifactSettings: ArtifactSettings = {
  localRoots: [bundledModels, containerExampleModel],
  allowedHosts: [],
  allowPrivateNetworks: false,
  maxDownloadBytes: 16 * gib,
  maxUnpackedBytes: 32 * gib,
  maxFiles: 10_000,
  cacheBudgetMb: 20_480,
  memoryBudgetMb: 0,
  parkedEnginesMb: 0,
  memoryDir: "",
};

/** Environment variables that set members of the artifacts group. */
export const artifactsEnvNames: Record<string, keyof ArtifactSettings> = {
  BERTH_ARTIFACT_CACHE_BUDGET_MB: "cacheBudgetMb",
  BERTH_ARTIFACT_MEMORY_BUDGET_MB: "memoryBudgetMb",
  BERTH_ARTIFACT_PARKED_ENGINES_MB: "parkedEnginesMb",
};

export function checkArtifactSettings(raw: unknown): ArtifactSettings {
  if (raw === null || typeof raw !== "object" || Array.isArray(raw))
    throw new ConfigError(`artifacts must be a mapping of settings, e.g. "artifacts: { localRoots: [/srv/models] }".`);
  const known = new Set(Object.keys(defaultArtifactSettings));
  for (const key of Object.keys(raw))
    if (!known.has(key)) throw new ConfigError(`unknown setting 'artifacts.${key}'. Known artifacts settings: ${[...known].join(", ")}.`);
  const merged = { ...defaultArtifactSettings, ...(raw as Partial<ArtifactSettings>) };
  const strings = (name: keyof ArtifactSettings, value: unknown) => {
    if (!Array.isArray(value) || !value.every((v) => typeof v === "string" && v !== ""))
      throw new ConfigError(`artifacts.${name} must be a list of non-empty strings.`);
    return value as string[];
  };
  const count = (name: keyof ArtifactSettings) => {
    const value = Number(merged[name]);
    if (!Number.isSafeInteger(value) || value < 1) throw new ConfigError(`artifacts.${name} must be a whole number of at least 1, got '${merged[name]}'.`);
    return value;
  };
  const localRoots = strings("localRoots", merged.localRoots).map((root) => resolve(root));
  const allowedHosts = strings("allowedHosts", merged.allowedHosts).map((host) => host.toLowerCase());
  if (typeof merged.allowPrivateNetworks !== "boolean") throw new ConfigError(`artifacts.allowPrivateNetworks must be true or false.`);
  return {
    localRoots,
    allowedHosts,
    allowPrivateNetworks: merged.allowPrivateNetworks,
    maxDownloadBytes: count("maxDownloadBytes"),
    maxUnpackedBytes: count("maxUnpackedBytes"),
    maxFiles: count("maxFiles"),
    cacheBudgetMb: budget("cacheBudgetMb", merged.cacheBudgetMb),
    memoryBudgetMb: budget("memoryBudgetMb", merged.memoryBudgetMb),
    parkedEnginesMb: budget("parkedEnginesMb", merged.parkedEnginesMb),
    memoryDir: memoryDir(merged.memoryDir),
  };
}

function budget(name: "cacheBudgetMb" | "memoryBudgetMb" | "parkedEnginesMb", raw: unknown): number {
  const value = Number(raw);
  if (raw === "" || raw === null || !Number.isSafeInteger(value) || value < 0)
    throw new ConfigError(`artifacts.${name} must be a whole number of MiB, 0 or more, got '${String(raw)}'.`);
  return value;
}

function memoryDir(raw: unknown): string {
  if (typeof raw !== "string" || (raw !== "" && !isAbsolute(raw)))
    throw new ConfigError(
      `artifacts.memoryDir must be an absolute path on a memory file system (tmpfs), or empty for one under /dev/shm; got '${String(raw)}'.`,
    );
  return raw === "" ? "" : resolve(raw);
}
