import { unitMeanSampler } from "../distributions.js";
import { Rng } from "../prng.js";
import { expectedRequests, type ClientWindows } from "./servegen-windows.js";

/**
 * One renewal process per client in "operational time", where the clock runs at the window's rate:
 * gaps have mean 1 and the window's fitted shape, and a gap still open at a window boundary carries
 * over (converted at the next window's rate; a zero-rate window pauses it). So every window gets its
 * stated mean rate, and only the very first gap starts the process out of equilibrium; restarting the
 * process at every boundary would bias bursty windows (count ≈ rate·W + (CV² − 1)/2).
 */
export function expandClient(c: ClientWindows, startS: number, endS: number, rateScale: number, seed: number, file = c.id): Float64Array {
  const rng = new Rng(seed, c.id);
  const expected = expectedRequests(c, startS, endS, rateScale);
  // A safety net under the shape bounds (minShape): a process whose clock stops advancing would fill memory.
  const limit = 4 * expected + 100_000;
  let out = new Float64Array(Math.ceil(expected * 1.25) + 64);
  let n = 0;
  let pending = NaN;
  for (let w = 0; w < c.starts.length; w++) {
    const lo = Math.max(c.starts[w], startS);
    const hi = Math.min(c.ends[w], endS);
    const family = c.families[w];
    const rate = c.rates[w] * rateScale;
    if (hi <= lo || family === null || rate <= 0) continue;
    const draw = unitMeanSampler(family, family === "Exponential" ? 1 : c.shapes[w]);
    if (Number.isNaN(pending)) pending = draw(rng);
    let t = lo;
    for (;;) {
      const dt = pending / rate;
      if (t + dt >= hi) {
        pending = Math.max(0, pending - (hi - t) * rate);
        break;
      }
      t += dt;
      if (n === out.length) {
        if (n >= limit || !(dt >= 0)) {
          throw new RangeError(
            `${file}: its windows drew ${n.toLocaleString("en-US")} arrivals where their rates give about ${Math.round(expected).toLocaleString("en-US")}; ` +
              `their inter-arrival shapes (column 5) are too extreme to replay: correct the fits, or leave column 4 empty to replay those windows as Poisson`,
          );
        }
        const grown = new Float64Array(out.length * 2);
        grown.set(out);
        out = grown;
      }
      out[n++] = t - startS;
      pending = draw(rng);
    }
  }
  return out.slice(0, n);
}
