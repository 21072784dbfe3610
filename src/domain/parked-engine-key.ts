import type { CopyOwner, ResolvedSpec } from "./resources.js";

/**
 * What a host reports for each engine it keeps parked, and what placement looks for: the owner and its
 * specification version. The agent itself reuses an engine only on a full match (src/agent/parked-engines.ts).
 */
export function parkedEngineKey(endpointName: string, owner: CopyOwner, spec: Pick<ResolvedSpec, "version">): string {
  const who = owner.type === "component" ? `component/${owner.name}` : `variant/${endpointName}/${owner.variant}-g${owner.generation}`;
  return `${who}.v${spec.version}`;
}
