import { TraceFormatError } from "../errors.js";
import type { Rng } from "../prng.js";
import { firstLine, forEachLine, parseNonNegative } from "../text.js";

/** The 2019 durations schema: execution time in ms; percentiles over the day's per-interval averages. */
export interface DurationRow {
  average: number;
  /** Values at the cumulative probabilities in durationQuantiles. */
  percentiles: Float64Array;
}

export const durationQuantiles = [0, 0.01, 0.25, 0.5, 0.75, 0.99, 1] as const;
const percentileColumns = [
  "percentile_Average_0",
  "percentile_Average_1",
  "percentile_Average_25",
  "percentile_Average_50",
  "percentile_Average_75",
  "percentile_Average_99",
  "percentile_Average_100",
];
const keyColumns = ["HashOwner", "HashApp", "HashFunction"];

/** A day: far above the trace's own (functions time out after minutes), and well inside the engine's float32 service times. */
const maxDuration = { max: 86_400_000, means: "a day in milliseconds" };

/** Rows keyed by "owner,app,function". */
export function readDurations(text: string, file: string): Map<string, DurationRow> {
  const out = new Map<string, DurationRow>();
  const columns = headerIndex(text, file, [...keyColumns, "Average", ...percentileColumns]);
  forEachLine(text, (line, lineNumber) => {
    if (lineNumber === 1) return;
    const cells = line.split(",");
    const number = (name: string): number => parseNonNegative(cells[columns.get(name) as number] ?? "", { file, line: lineNumber, column: name }, maxDuration);
    const percentiles = Float64Array.from(percentileColumns, number);
    for (let q = 1; q < percentiles.length; q++) {
      if (percentiles[q] < percentiles[q - 1]) {
        throw new TraceFormatError(
          { file, line: lineNumber, column: percentileColumns[q] },
          `expected percentiles that never decrease, found ${percentiles[q]} after ${percentiles[q - 1]}`,
        );
      }
    }
    out.set(key(cells, columns), { average: number("Average"), percentiles });
  });
  return out;
}

/** AverageAllocatedMb keyed by "owner,app,function". */
export function readMemory(text: string, file: string): Map<string, number> {
  const out = new Map<string, number>();
  const columns = headerIndex(text, file, [...keyColumns, "AverageAllocatedMb"]);
  forEachLine(text, (line, lineNumber) => {
    if (lineNumber === 1) return;
    const cells = line.split(",");
    out.set(
      key(cells, columns),
      parseNonNegative(cells[columns.get("AverageAllocatedMb") as number] ?? "", { file, line: lineNumber, column: "AverageAllocatedMb" }),
    );
  });
  return out;
}

/** Inverse of the piecewise-linear CDF through the percentile points. */
export function durationSampler(row: DurationRow): (rng: Rng) => number {
  const p = row.percentiles;
  return (rng) => {
    const u = rng.uniform();
    let q = 1;
    while (q < durationQuantiles.length - 1 && u > durationQuantiles[q]) q++;
    const lo = durationQuantiles[q - 1];
    const f = (u - lo) / (durationQuantiles[q] - lo);
    return p[q - 1] + f * (p[q] - p[q - 1]);
  };
}

function headerIndex(text: string, file: string, required: string[]): Map<string, number> {
  const header = firstLine(text)
    .split(",")
    .map((h) => h.trim());
  const missing = required.filter((name) => !header.includes(name));
  if (missing.length > 0)
    throw new TraceFormatError({ file, line: 1 }, `the header lacks ${missing.join(", ")}; expected at least the columns ${required.join(",")}`);
  return new Map(header.map((name, i) => [name, i]));
}

function key(cells: string[], columns: Map<string, number>): string {
  return keyColumns.map((name) => cells[columns.get(name) as number]).join(",");
}
