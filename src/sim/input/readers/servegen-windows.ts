import { TraceFormatError } from "../errors.js";
import type { GapFamily } from "../distributions.js";
import { countLines } from "../requests.js";
import { forEachLine, parseNonNegative, parseWholeNumber, splitCells } from "../text.js";

/** One ServeGen client file: consecutive windows with a rate and a fitted inter-arrival family. */
export interface ClientWindows {
  id: string;
  group: string;
  client: number;
  starts: Float64Array;
  ends: Float64Array;
  rates: Float64Array;
  /** null when the window has no requests (or a rate without a fit, see rateWithoutFit). */
  families: (GapFamily | null)[];
  shapes: Float64Array;
  /** Windows with a rate above 0 but no fitted family; they are replayed as Poisson. */
  rateWithoutFit: number;
}

const columnNames = ["1 (window start)", "2 (rate)", "3 (cv)", "4 (distribution)", "5 (shape)", "6 (scale)"];

/**
 * The smallest shapes replayed. Below them the gaps are so heavy-tailed that a replay's request count
 * strays far from the window's rate (Weibull 0.05: 9× it over 200 ten-minute windows), and a Weibull
 * shape near 0.01 overflows its normalisation, so the expansion never advances. ServeGen's
 * own fits go down to Weibull 0.16 and Gamma 0.00999.
 */
export const minShape = { Weibull: 0.1, Gamma: 0.001 } as const;
const defaultWindowS = 600;

export function parseClientWindows(text: string, file: string, meta: { id: string; group: string; client: number }): ClientWindows {
  const capacity = countLines(text);
  const starts = new Float64Array(capacity);
  const rates = new Float64Array(capacity);
  const shapes = new Float64Array(capacity);
  const families: (GapFamily | null)[] = [];
  let rateWithoutFit = 0;
  let n = 0;
  forEachLine(text, (line, lineNumber) => {
    const where = (c: number) => ({ file, line: lineNumber, column: columnNames[c] });
    const cells = splitCells(line, 6, { file, line: lineNumber }, "window start, rate, cv, distribution, shape, scale; no header");
    const start = parseWholeNumber(cells[0], where(0));
    if (n > 0 && start <= starts[n - 1]) {
      throw new TraceFormatError(where(0), `expected window starts in increasing order, found ${start} after ${starts[n - 1]}`);
    }
    const rate = parseNonNegative(cells[1], where(1));
    parseNonNegative(cells[2], where(2));
    const dist = cells[3].trim();
    if (dist !== "" && dist !== "Gamma" && dist !== "Weibull") {
      throw new TraceFormatError(where(3), `expected Gamma, Weibull or nothing (a window without requests), found ${JSON.stringify(cells[3])}`);
    }
    const shape = parseNonNegative(cells[4], where(4));
    const scale = parseNonNegative(cells[5], where(5));
    if (dist !== "" && rate > 0 && !(shape > 0 && scale > 0)) {
      const bad = shape > 0 ? 5 : 4;
      throw new TraceFormatError(where(bad), `expected a ${bad === 4 ? "shape" : "scale"} above 0 for a ${dist} window, found ${JSON.stringify(cells[bad])}`);
    }
    if ((dist === "Gamma" || dist === "Weibull") && rate > 0 && shape < minShape[dist]) {
      throw new TraceFormatError(
        where(4),
        `expected a ${dist} shape of at least ${minShape[dist]}, found ${JSON.stringify(cells[4])}: gaps that heavy-tailed replay nowhere near the window's rate; ` +
          `correct the fit, or leave column 4 empty to replay the window as Poisson`,
      );
    }
    starts[n] = start;
    rates[n] = rate;
    shapes[n] = shape;
    if (rate > 0 && dist === "") rateWithoutFit++;
    families.push(rate === 0 ? null : dist === "" ? "Exponential" : dist);
    n++;
  });
  const ends = new Float64Array(n);
  for (let i = 0; i < n; i++) ends[i] = i + 1 < n ? starts[i + 1] : starts[i] + (n > 1 ? starts[i] - starts[i - 1] : defaultWindowS);
  return { ...meta, starts: starts.slice(0, n), ends, rates: rates.slice(0, n), families, shapes: shapes.slice(0, n), rateWithoutFit };
}

/** Expected requests in [startS, endS) at the stated rates. */
export function expectedRequests(c: ClientWindows, startS: number, endS: number, rateScale: number): number {
  let sum = 0;
  for (let w = 0; w < c.starts.length; w++) {
    const overlap = Math.min(endS, c.ends[w]) - Math.max(startS, c.starts[w]);
    if (overlap > 0) sum += c.rates[w] * overlap;
  }
  return sum * rateScale;
}
