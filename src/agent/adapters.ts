import { mkdir, readdir, rm, symlink } from "node:fs/promises";
import { join } from "node:path";
import type { ArtifactCache } from "../artifacts/cache.js";

export interface AdapterSource {
  name: string;
  artifactUrl: string;
  downloadTimeoutSeconds: number;
}

/**
 * Puts a base copy's adapters where its model server looks for them: one entry per adapter in the
 * copy's adapters directory, linking to the unpacked artifact. Returns each adapter's state.
 */
export async function syncAdapters(dir: string, adapters: AdapterSource[], artifacts: ArtifactCache, holder: string): Promise<Record<string, string>> {
  await mkdir(dir, { recursive: true });
  const wanted = new Set(adapters.map((a) => a.name));
  for (const entry of await readdir(dir)) {
    if (wanted.has(entry)) continue;
    await rm(join(dir, entry), { recursive: true, force: true });
    artifacts.release(adapterHolder(holder, entry));
  }
  const states: Record<string, string> = {};
  for (const adapter of adapters) {
    try {
      const source = await artifacts.ensure(adapter.artifactUrl, {
        timeoutMs: adapter.downloadTimeoutSeconds * 1000,
        holder: adapterHolder(holder, adapter.name),
      });
      const link = join(dir, adapter.name);
      await rm(link, { recursive: true, force: true });
      await symlink(source, link);
      states[adapter.name] = "ready";
    } catch (error) {
      states[adapter.name] = (error as Error).message;
    }
  }
  return states;
}

/** An adapter in a copy holds its artifact under the copy's holder, so releasing the copy releases it too. */
function adapterHolder(copyHolder: string, adapter: string): string {
  return `${copyHolder}/adapter/${adapter}`;
}
