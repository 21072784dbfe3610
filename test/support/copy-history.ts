/**
 * The most copies of a component that existed at once, read from the server's log in the order it was
 * written, so no moment is missed between samples: a copy is active from "placed" until "draining", and
 * present until "stopped".
 */
export function copyPeaks(logs: Record<string, unknown>[], component: string): { active: number; present: number } {
  const ours = new RegExp(`^${component.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}-\\d+$`);
  const active = new Set<string>();
  const present = new Set<string>();
  const peaks = { active: 0, present: 0 };
  for (const line of logs) {
    const copy = line.copy;
    if (typeof copy !== "string" || !ours.test(copy)) continue;
    const message = String(line.msg ?? "");
    if (message.startsWith(`copy ${copy} placed on `)) {
      active.add(copy);
      present.add(copy);
    } else if (message.startsWith(`copy ${copy} draining`)) active.delete(copy);
    else if (message === `copy ${copy} stopped`) {
      active.delete(copy);
      present.delete(copy);
    }
    peaks.active = Math.max(peaks.active, active.size);
    peaks.present = Math.max(peaks.present, present.size);
  }
  return peaks;
}

/** True once the log says each of these copies has stopped. */
export function copiesStopped(logs: Record<string, unknown>[], copies: string[]): boolean {
  return copies.every((copy) => logs.some((line) => line.copy === copy && line.msg === `copy ${copy} stopped`));
}
