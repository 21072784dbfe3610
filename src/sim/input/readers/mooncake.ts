import { basename } from "node:path";
import { TraceFormatError } from "../errors.js";
import { requestTrace } from "../request-trace.js";
import { countLines, sortByTime, type RequestColumns } from "../requests.js";
import { forEachLine, maxTokensPerRequest, readText, tooLarge } from "../text.js";
import type { ResolvedTraceOptions, Trace } from "../trace.js";

/**
 * Mooncake (FAST '25) JSON Lines: timestamp in ms from the trace start, input_length,
 * output_length and hash_ids (512-token prefix blocks). Each file is one stream, named after the file.
 */
export async function readMooncake(files: string[], source: string, options: ResolvedTraceOptions): Promise<Trace> {
  const parsed: RequestColumns[] = [];
  for (const file of files) parsed.push(sortByTime(parseMooncake(await readText(file), file, options.prefixBlocks)));
  return requestTrace("mooncake", source, parsed, options);
}

export function mooncakeStreamId(file: string): string {
  return basename(file).replace(/\.jsonl$/i, "");
}

function parseMooncake(text: string, file: string, keepBlocks: boolean): RequestColumns {
  const capacity = countLines(text);
  const times = new Float64Array(capacity);
  const inputTokens = new Int32Array(capacity);
  const outputTokens = new Int32Array(capacity);
  const offsets = new Int32Array(capacity + 1);
  let ids = new Int32Array(keepBlocks ? capacity * 8 : 0);
  let n = 0;
  forEachLine(text, (line, lineNumber) => {
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (error) {
      throw new TraceFormatError({ file, line: lineNumber }, `expected one JSON object per line, found text that is not JSON (${(error as Error).message})`);
    }
    if (typeof row !== "object" || row === null || Array.isArray(row)) {
      throw new TraceFormatError(
        { file, line: lineNumber },
        `expected a JSON object with timestamp, input_length and output_length, found ${JSON.stringify(row)}`,
      );
    }
    const record = row as Record<string, unknown>;
    const field = (name: string, whole: boolean): number => {
      const value = record[name];
      if (typeof value !== "number" || !(value >= 0) || (whole && !Number.isInteger(value))) {
        const expected = whole ? "a whole number" : "a number of milliseconds of at least 0";
        throw new TraceFormatError(
          { file, line: lineNumber, field: name },
          `expected ${expected}, found ${value === undefined ? "no such field" : JSON.stringify(value)}`,
        );
      }
      if (whole && value > maxTokensPerRequest)
        throw new TraceFormatError({ file, line: lineNumber, field: name }, tooLarge(maxTokensPerRequest, String(value)));
      return value;
    };
    times[n] = field("timestamp", false) / 1000;
    inputTokens[n] = field("input_length", true);
    outputTokens[n] = field("output_length", true);
    if (keepBlocks) {
      const blocks = record.hash_ids ?? [];
      if (!Array.isArray(blocks) || !blocks.every((b) => Number.isInteger(b) && b >= 0 && b <= 0x7fffffff)) {
        throw new TraceFormatError(
          { file, line: lineNumber, field: "hash_ids" },
          `expected a list of whole numbers, found ${JSON.stringify(blocks).slice(0, 80)}`,
        );
      }
      const start = offsets[n];
      if (start + blocks.length > ids.length) {
        const grown = new Int32Array(Math.max(ids.length * 2, start + blocks.length));
        grown.set(ids);
        ids = grown;
      }
      for (let k = 0; k < blocks.length; k++) ids[start + k] = blocks[k] as number;
      offsets[n + 1] = start + blocks.length;
    }
    n++;
  });
  return {
    id: mooncakeStreamId(file),
    times: times.slice(0, n),
    inputTokens: inputTokens.slice(0, n),
    outputTokens: outputTokens.slice(0, n),
    ...(keepBlocks && { prefixBlocks: { offsets: offsets.slice(0, n + 1), ids: ids.slice(0, offsets[n]) } }),
    attributes: { file: basename(file) },
  };
}
