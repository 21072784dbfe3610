import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = join("scripts", "build-model.mjs");

export interface DefaultModel {
  modelPath: string;
  adaptersDir: string;
}

/** Where scripts/build-model.mjs writes: <project root>/models, found from this file whether run from src or dist. */
export function defaultModelLocation(): DefaultModel {
  const root = projectRoot();
  return {
    modelPath: join(root, "models", "berth-tiny-coder.gguf"),
    adaptersDir: join(root, "models", "adapters"),
  };
}

/**
 * Returns the default model, building it first when it is missing, incomplete or made by another version
 * of the script, so a first start works without the build step. Only sizes and the script's hash are
 * compared here (cheap at every start); the script itself also checks the files' sha256.
 */
export async function ensureDefaultModel(): Promise<DefaultModel> {
  const location = defaultModelLocation();
  const script = join(projectRoot(), BUILD_SCRIPT);
  if (looksCurrent(location.modelPath, script)) return location;
  console.log(`llm: default model missing or incomplete; running ${BUILD_SCRIPT}`);
  await new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, [script], { stdio: ["ignore", "inherit", "inherit"] });
    child.once("error", reject);
    child.once("exit", (code, signal) => {
      if (code === 0) resolve();
      else reject(new Error(`${BUILD_SCRIPT} failed (${signal ?? `exit code ${code}`}); run it by hand to see why`));
    });
  });
  return location;
}

interface Manifest {
  generator: string;
  files: Record<string, { size: number }>;
}

function looksCurrent(modelPath: string, script: string): boolean {
  const manifestPath = modelPath.replace(/\.gguf$/, ".manifest.json");
  if (!existsSync(modelPath) || !existsSync(manifestPath)) return false;
  try {
    const manifest = JSON.parse(readFileSync(manifestPath, "utf8")) as Manifest;
    if (manifest.generator !== createHash("sha256").update(readFileSync(script)).digest("hex")) return false;
    const root = dirname(modelPath);
    return Object.entries(manifest.files).every(([file, want]) => {
      const path = join(root, file);
      return existsSync(path) && statSync(path).size === want.size;
    });
  } catch {
    return false;
  }
}

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, BUILD_SCRIPT))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`cannot find ${BUILD_SCRIPT} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}
