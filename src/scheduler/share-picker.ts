import type { Resources } from "../domain/compute.js";
import { fits } from "../domain/fit.js";
import type { Fleet } from "./fleet.js";
import { leftover } from "./score.js";
import type { CopyCounts, Picker } from "./strategies/index.js";
import type { DeviceShare } from "./types.js";

/**
 * Where one more copy with a device share goes: the instance whose best device (Fleet.bestDevice) is
 * left with the least free memory, so partly used devices fill first; then the fuller instance, then the
 * older. SPREAD first takes the instances with the fewest copies of the component. A scan of the fleet
 * rather than the best-fit index: shares are scored by device, which the index does not know.
 */
export function sharePicker(fleet: Fleet, needs: Resources, share: DeviceShare, counts: CopyCounts, spread: boolean): Picker {
  return () => {
    let best = -1;
    let key = [Infinity, Infinity, Infinity];
    for (let i = 0; i < fleet.instances.length; i++) {
      if (!fleet.schedulable(i) || !fits(fleet.free[i], needs)) continue;
      const k = fleet.bestDevice(i, share);
      if (k < 0) continue;
      const candidate = [spread ? (counts.get(i) ?? 0) : 0, fleet.deviceFreeMiB(i, k) - share.memoryMiB, leftover(fleet.free[i], needs, fleet.capacity(i))];
      if (lexLess(candidate, key)) [best, key] = [i, candidate];
    }
    return best;
  };
}

function lexLess(a: readonly number[], b: readonly number[]): boolean {
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k]) return a[k] < b[k];
  return false;
}
