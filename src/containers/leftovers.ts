import type { Logger } from "../util/logger.js";
import type { ContainerEngine } from "./engine.js";
import { containerLabels } from "./labels.js";
import { lastLines, runTool } from "../util/run-tool.js";

/** `ps` arguments that list an agent's containers, running or not, by label. */
export function containerQueryArgs(agentLabel: string): string[] {
  return ["ps", "--all", "--no-trunc", `--filter=label=${containerLabels.agent}=${agentLabel}`, "--format={{.ID}}\t{{.Names}}"];
}

/** Parses the `ps` output of containerQueryArgs: one "id<TAB>name" per line. */
export function parseContainerList(stdout: string): { id: string; name: string }[] {
  return stdout
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "")
    .map((line) => {
      const [id, name = ""] = line.split("\t");
      return { id: id!, name };
    })
    .filter((c) => /^[0-9a-f]{12,64}$/i.test(c.id));
}

/**
 * Removes an agent's containers left by a previous run: when the agent and its engine clients were
 * killed together (kill -9, OOM killer, a crashed host process tree), the containers outlive them.
 */
export async function removeLeftoverContainers(engine: ContainerEngine, agentLabel: string, log: Logger, env: NodeJS.ProcessEnv): Promise<void> {
  const listed = await runTool(engine.kind, containerQueryArgs(agentLabel), { env });
  if (!listed.ok) {
    log.warn(`could not list leftover ${engine.kind} containers of this agent: ${lastLines(listed.stderr)}`);
    return;
  }
  const containers = parseContainerList(listed.stdout);
  if (containers.length === 0) return;
  const names = containers.map((c) => c.name || c.id).join(", ");
  const removed = await runTool(engine.kind, ["rm", "--force", "--", ...containers.map((c) => c.id)], { env, timeoutMs: 120_000 });
  if (removed.ok) log.info(`removed ${containers.length} leftover ${engine.kind} container(s) from a previous run: ${names}`);
  else log.warn(`could not remove leftover ${engine.kind} containers ${names}: ${lastLines(removed.stderr)}`);
}
