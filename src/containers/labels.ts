/** Labels on every copy's container: which copy, endpoint and component it serves, and which agent started it. */
export const containerLabels = { copy: "berth.copy", endpoint: "berth.endpoint", component: "berth.component", agent: "berth.agent" } as const;

export function containerName(copyId: string): string {
  return `berth-${copyId}`.replace(/[^a-zA-Z0-9_.-]/g, "-");
}
