import { existsSync } from "node:fs";
import { join } from "node:path";

// A name, never a path: it is joined onto the adapters directory.
const ADAPTER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

export type AdapterLookup = { ok: true; path: string } | { ok: false; error: string };

/** Finds <adaptersDir>/<name>/adapter.gguf for a request's CustomAttributes `adapter=<name>`. */
export function findAdapter(adaptersDir: string | undefined, name: string): AdapterLookup {
  if (!ADAPTER_NAME.test(name)) {
    return { ok: false, error: `adapter name ${JSON.stringify(name)} must be letters, digits, '.', '_' or '-'` };
  }
  if (adaptersDir === undefined) {
    return { ok: false, error: `adapter ${JSON.stringify(name)} requested but this server has no BERTH_ADAPTERS_DIR` };
  }
  const path = join(adaptersDir, name, "adapter.gguf");
  if (!existsSync(path)) return { ok: false, error: `adapter ${JSON.stringify(name)} not found: expected ${path}` };
  return { ok: true, path };
}
