import type { PlacementViewInstance } from "../../src/operations/placement-view.js";
import { berthFetch } from "./http.js";

export async function placement(url: string, endpoint: string): Promise<PlacementViewInstance[]> {
  const response = await berthFetch(`${url}/berth/v1/instances?endpoint=${encodeURIComponent(endpoint)}`);
  if (!response.ok) throw new Error(`placement view answered ${response.status}`);
  return ((await response.json()) as { instances: PlacementViewInstance[] }).instances;
}

/** Instance id → ids of the component's copies on it. */
export function copiesByInstance(instances: PlacementViewInstance[], component: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const instance of instances) {
    const ids = instance.copies.filter((c) => c.owner === component && c.state === "Active").map((c) => c.copyId);
    if (ids.length > 0) out.set(instance.instanceId, ids);
  }
  return out;
}
