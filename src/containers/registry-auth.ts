import { readFile, stat } from "node:fs/promises";
import type { Logger } from "../util/logger.js";

/**
 * Looks at the registry credentials file once, when the agent starts, so a missing, unreadable,
 * malformed or world-readable file is reported then rather than at the first pull.
 */
export async function checkRegistryAuthFile(file: string, log: Logger): Promise<void> {
  let text: string;
  try {
    const mode = (await stat(file)).mode & 0o777;
    if (mode & 0o077) log.warn(`the registry credentials file ${file} can be read by other users (mode ${mode.toString(8)}): chmod 600 it`);
    text = await readFile(file, "utf8");
  } catch (error) {
    log.warn(`cannot read the registry credentials file ${file} (containers.registryAuthFile): ${(error as Error).message}; pulls will go without credentials`);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    log.warn(
      `the registry credentials file ${file} is not JSON; write it in docker's config.json format: {"auths": {"registry.example.com": {"auth": "<base64 of user:password>"}}}`,
    );
    return;
  }
  const auths = (parsed as { auths?: unknown }).auths;
  if (typeof auths !== "object" || auths === null || Array.isArray(auths)) {
    log.warn(
      `the registry credentials file ${file} has no "auths" mapping; write it in docker's config.json format: {"auths": {"registry.example.com": {"auth": "<base64 of user:password>"}}}`,
    );
    return;
  }
  log.info(`registry credentials from ${file} for ${Object.keys(auths).join(", ") || "no registry"}`);
}
