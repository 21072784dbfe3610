import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

function projectRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error(`no package.json above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
  return dir;
}

export const fixtures = join(projectRoot(), "test", "fixtures", "traces");

/** The shared public traces; BERTH_TRACES_DIR overrides `<project root>/data/traces`. */
export const sharedTraces = process.env.BERTH_TRACES_DIR ?? resolve(projectRoot(), "data", "traces");

/** These tests check real data, so a missing folder is a failure, never a skip. */
export function sharedTrace(relative: string): string {
  const path = join(sharedTraces, relative);
  if (!existsSync(path)) {
    throw new Error(
      `shared trace ${path} is missing: these tests need the public traces (see data/traces/README.md); set BERTH_TRACES_DIR if they live elsewhere`,
    );
  }
  return path;
}
