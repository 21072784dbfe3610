import { join } from "node:path";
import { assembleTrace, type RawStream } from "../assemble.js";
import { TraceFormatError } from "../errors.js";
import { hashString, Rng } from "../prng.js";
import { checkArrivalBudget, selectBusiest } from "../select.js";
import { firstLine, forEachLine, parseWholeNumber, readText } from "../text.js";
import type { ResolvedTraceOptions, Trace } from "../trace.js";
import { durationSampler, readDurations, readMemory, type DurationRow } from "./azure-functions-extras.js";

const idColumns = ["HashOwner", "HashApp", "HashFunction", "Trigger"] as const;

interface FunctionRow {
  id: string;
  key: string;
  owner: string;
  app: string;
  trigger: string;
  counts: Int32Array;
}

/**
 * Azure Functions 2019 (per-function, per-minute invocation counts). Each function is one stream;
 * each minute's count is spread uniformly at random inside the minute, with one PRNG per
 * (function, minute), so a window cut yields exactly the arrivals of the full expansion.
 */
export async function readAzureFunctions(dir: string, source: string, options: ResolvedTraceOptions): Promise<Trace> {
  const invocationsFile = join(dir, "invocations.csv");
  const rows = parseInvocations(await readText(invocationsFile), invocationsFile);
  const minutes = rows.length > 0 ? rows[0].counts.length : 0;
  const traceEnd = minutes * 60;
  if (options.startS >= traceEnd) {
    throw new RangeError(`${source}: the window starts at ${options.startS} s but the trace has ${minutes} minutes (${traceEnd} s); pick an earlier startS`);
  }
  const endS = Math.min(options.endS, traceEnd);
  const notes: string[] = [];
  const durations = await readOptional(join(dir, "durations.csv"), readDurations, notes, "durationMs is left out");
  const memory = await readOptional(join(dir, "memory.csv"), readMemory, notes, "memoryMb is left out");

  const expected = rows.map((row) => expectedCount(row.counts, options.startS, endS) * options.rateScale);
  const { keep, dropped } = selectBusiest(expected, options.maxStreams);
  checkArrivalBudget(
    source,
    keep.reduce((sum, i) => sum + expected[i], 0),
    options,
  );

  let withoutDurations = 0;
  const streams = keep.map((i): RawStream => {
    const row = rows[i];
    const duration = durations?.get(row.key);
    if (durations && !duration) withoutDurations++;
    const attributes: Record<string, string | number> = { owner: row.owner, app: row.app, trigger: row.trigger };
    if (duration) attributes.avgDurationMs = duration.average;
    const mem = memory?.get(row.key);
    if (mem !== undefined) attributes.memoryMb = mem;
    return { id: row.id, ...expandFunction(row, duration, options.startS, endS, options), attributes };
  });
  if (withoutDurations > 0) notes.push(`${withoutDurations} of ${keep.length} functions have no row in durations.csv; their streams carry no durationMs`);
  return assembleTrace({ format: "azure-functions", source, streams, windowS: endS - options.startS, options, dropped, notes });
}

async function readOptional<T>(file: string, read: (text: string, file: string) => T, notes: string[], consequence: string): Promise<T | undefined> {
  let text: string;
  try {
    text = await readText(file);
  } catch {
    notes.push(`${file} is missing, so ${consequence}`);
    return undefined;
  }
  return read(text, file);
}

function parseInvocations(text: string, file: string): FunctionRow[] {
  const header = firstLine(text).split(",");
  for (let c = 0; c < idColumns.length; c++) {
    if (header[c]?.trim() !== idColumns[c]) {
      throw new TraceFormatError(
        { file, line: 1, column: String(c + 1) },
        `expected the header to start with ${idColumns.join(",")}, found ${JSON.stringify(header[c] ?? "")}`,
      );
    }
  }
  const firstMinute = parseWholeNumber(header[4] ?? "", { file, line: 1, column: "5" });
  for (let c = 4; c < header.length; c++) {
    if (header[c].trim() !== String(firstMinute + c - 4)) {
      throw new TraceFormatError(
        { file, line: 1, column: String(c + 1) },
        `expected consecutive minute numbers after Trigger (minute ${firstMinute + c - 4} here), found ${JSON.stringify(header[c])}`,
      );
    }
  }
  const minutes = header.length - 4;
  const rows: FunctionRow[] = [];
  forEachLine(text, (line, lineNumber) => {
    if (lineNumber === 1) return;
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new TraceFormatError(
        { file, line: lineNumber },
        `expected ${header.length} comma-separated cells (4 ids and ${minutes} minutes), found ${cells.length}`,
      );
    }
    const counts = new Int32Array(minutes);
    for (let m = 0; m < minutes; m++) counts[m] = parseWholeNumber(cells[4 + m], { file, line: lineNumber, column: header[4 + m] });
    const [owner, app, fn, trigger] = cells;
    rows.push({ id: fn, key: `${owner},${app},${fn}`, owner, app, trigger, counts });
  });
  const seen = new Map<string, number>();
  for (const row of rows) seen.set(row.id, (seen.get(row.id) ?? 0) + 1);
  for (const row of rows) if ((seen.get(row.id) ?? 0) > 1) row.id = `${row.app}/${row.id}`;
  return rows;
}

function expectedCount(counts: Int32Array, startS: number, endS: number): number {
  let sum = 0;
  for (let m = Math.floor(startS / 60); m * 60 < endS && m < counts.length; m++) {
    const overlap = Math.min(endS, m * 60 + 60) - Math.max(startS, m * 60);
    sum += (counts[m] * overlap) / 60;
  }
  return sum;
}

function expandFunction(
  row: FunctionRow,
  duration: DurationRow | undefined,
  startS: number,
  endS: number,
  options: ResolvedTraceOptions,
): Pick<RawStream, "arrivals" | "durationMs"> {
  const first = Math.floor(startS / 60);
  const last = Math.min(row.counts.length, Math.ceil(endS / 60));
  let capacity = 0;
  for (let m = first; m < last; m++) capacity += Math.ceil(row.counts[m] * options.rateScale);
  const arrivals = new Float64Array(capacity);
  const durationMs = duration ? new Float32Array(capacity) : undefined;
  const sample = duration ? durationSampler(duration) : undefined;
  const salt = hashString(row.id);
  let n = 0;
  for (let m = first; m < last; m++) {
    if (row.counts[m] === 0) continue;
    const rng = new Rng(options.seed, salt, m);
    const scaled = row.counts[m] * options.rateScale;
    const whole = Math.floor(scaled);
    const count = whole + (scaled > whole && rng.uniform() < scaled - whole ? 1 : 0);
    const from = n;
    for (let k = 0; k < count; k++) arrivals[n + k] = m * 60 + rng.uniform() * 60;
    arrivals.subarray(from, from + count).sort();
    for (let k = 0; k < count; k++) {
      const t = arrivals[from + k];
      const d = sample ? sample(rng) : 0;
      if (t < startS || t >= endS) continue;
      arrivals[n] = t - startS;
      if (durationMs) durationMs[n] = d;
      n++;
    }
  }
  return { arrivals: arrivals.slice(0, n), ...(durationMs && { durationMs: durationMs.slice(0, n) }) };
}
