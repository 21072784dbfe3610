import { createHash } from "node:crypto";
import { join } from "node:path";
import { MemoryTier } from "../artifacts/memory-tier.js";
import type { ArtifactSettings } from "../artifacts/settings.js";
import type { Logger } from "../util/logger.js";
import type { CopySandbox } from "./copy-sandbox.js";

/** Where a host keeps artifacts in memory when artifacts.memoryDir is left empty: a tmpfs every Linux host has. */
export const defaultMemoryParent = "/dev/shm";

/**
 * The agent's host-memory tier, or none when artifacts.memoryBudgetMb is 0. Its default directory is named
 * after the copies' files, so two Berth processes on one machine never share one.
 */
export function memoryTier(
  settings: Pick<ArtifactSettings, "memoryBudgetMb" | "memoryDir">,
  sandbox: CopySandbox,
  options: { now: () => number; log: Logger; onChange: () => void },
): MemoryTier | undefined {
  if (settings.memoryBudgetMb <= 0) return undefined;
  const files = sandbox.files;
  const root = settings.memoryDir || join(defaultMemoryParent, `berth-${createHash("sha256").update(files.root).digest("hex").slice(0, 16)}`);
  return new MemoryTier({
    root,
    budgetBytes: settings.memoryBudgetMb * 1024 * 1024,
    share: (dir) => files.shareDir(dir),
    readable: async (dir) => (await sandbox.unreadable([dir])).length === 0,
    ...options,
  });
}
