import { performance } from "node:perf_hooks";
import { ClientAbort, type InvokeRequest } from "../../src/router/router.js";
import type { RouteCopy, RoutingStrategy, RoutingTable } from "../../src/router/table.js";
import { maxInvokeResponseBytes } from "../../src/api/runtime/invoke-route.js";

/** A routing table with one endpoint "ep" holding one component "c" served by the given copies, as tests push it to a router. */
export function oneComponentTable(
  copies: RouteCopy[],
  options: { strategy?: RoutingStrategy; desiredCopies?: number; lostOrigins?: Set<string> } = {},
): RoutingTable {
  const component = {
    name: "c",
    endpointName: "ep",
    variantName: "v",
    strategy: options.strategy ?? "LEAST_OUTSTANDING_REQUESTS",
    copies,
    desiredCopies: options.desiredCopies ?? copies.length,
    status: "InService",
    wakeable: false,
    servedBy: "c",
  };
  return {
    endpoints: new Map([["ep", { name: "ep", status: "InService", hostsComponents: true, variants: [], components: new Map([["c", component]]) }]]),
    builtAt: 0,
    lostOrigins: options.lostOrigins,
  };
}

/** Gathered whole, as the runtime API asks for InvokeEndpoint's answers; streamed, as for the streaming call. */
export const answerModes = [
  { name: "answers gathered (InvokeEndpoint)", gatherUpTo: maxInvokeResponseBytes },
  { name: "answers streamed (InvokeEndpointWithResponseStream)", gatherUpTo: undefined },
];

/** An invocation of component "c" on endpoint "ep" (see oneComponentTable), as the runtime route hands it to the router. */
export function invokeRequest(overrides: Partial<InvokeRequest> = {}): InvokeRequest {
  return {
    endpointName: "ep",
    componentName: "c",
    body: Buffer.from("{}"),
    headers: {},
    stream: false,
    signal: new ClientAbort(),
    startedAt: performance.now(),
    ...overrides,
  };
}
