import { basename } from "node:path";
import { TraceFormatError } from "../errors.js";
import { requestTrace } from "../request-trace.js";
import { countLines, sortByTime, type RequestColumns } from "../requests.js";
import { firstLine, forEachLine, maxTokensPerRequest, parseWholeNumber, readText } from "../text.js";
import type { ResolvedTraceOptions, Trace } from "../trace.js";

export const azureLlmColumns = ["TIMESTAMP", "ContextTokens", "GeneratedTokens"] as const;

const timestampPattern = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2}(?:\.\d+)?)$/;

/**
 * Azure LLM inference trace 2023: one request per row. Each file is one stream, named after the
 * service (AzureLLMInferenceTrace_code.csv → "code"); all files share the earliest timestamp as 0.
 */
export async function readAzureLlm(files: string[], source: string, options: ResolvedTraceOptions): Promise<Trace> {
  const clock = { refDay: NaN };
  const parsed: RequestColumns[] = [];
  for (const file of files) parsed.push(sortByTime(parseAzureLlm(await readText(file), file, clock)));
  const origin = Math.min(...parsed.map((p) => (p.times.length > 0 ? p.times[0] : Infinity)));
  for (const p of parsed) for (let i = 0; i < p.times.length; i++) p.times[i] -= origin;
  return requestTrace("azure-llm", source, parsed, options);
}

export function azureLlmStreamId(file: string): string {
  const name = basename(file).replace(/\.csv$/i, "");
  return /^AzureLLMInferenceTrace_(.+)$/.exec(name)?.[1] ?? name;
}

/** Times are seconds from midnight of clock.refDay (set by the first row read), to keep 100 ns digits. */
function parseAzureLlm(text: string, file: string, clock: { refDay: number }): RequestColumns {
  const header = firstLine(text)
    .split(",")
    .map((h) => h.trim());
  const index = azureLlmColumns.map((name) => header.indexOf(name));
  const missing = azureLlmColumns.filter((_, i) => index[i] === -1);
  if (missing.length > 0) {
    throw new TraceFormatError(
      { file, line: 1 },
      `the header lacks ${missing.join(", ")}; expected the columns ${azureLlmColumns.join(",")}, found ${JSON.stringify(firstLine(text))}`,
    );
  }
  const [ti, ci, gi] = index;
  const capacity = countLines(text);
  const times = new Float64Array(capacity);
  const inputTokens = new Int32Array(capacity);
  const outputTokens = new Int32Array(capacity);
  let n = 0;
  forEachLine(text, (line, lineNumber) => {
    if (lineNumber === 1) return;
    const cells = line.split(",");
    if (cells.length !== header.length) {
      throw new TraceFormatError({ file, line: lineNumber }, `expected ${header.length} comma-separated cells (${header.join(",")}), found ${cells.length}`);
    }
    times[n] = parseTimestamp(cells[ti], { file, line: lineNumber, column: "TIMESTAMP" }, clock);
    inputTokens[n] = parseWholeNumber(cells[ci], { file, line: lineNumber, column: "ContextTokens" }, maxTokensPerRequest);
    outputTokens[n] = parseWholeNumber(cells[gi], { file, line: lineNumber, column: "GeneratedTokens" }, maxTokensPerRequest);
    n++;
  });
  return {
    id: azureLlmStreamId(file),
    times: times.slice(0, n),
    inputTokens: inputTokens.slice(0, n),
    outputTokens: outputTokens.slice(0, n),
    attributes: { file: basename(file) },
  };
}

function parseTimestamp(text: string, where: { file: string; line: number; column: string }, clock: { refDay: number }): number {
  const m = timestampPattern.exec(text.trim());
  const day = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / 86_400_000 : NaN;
  if (!m || !Number.isFinite(day) || Number(m[4]) > 23 || Number(m[5]) > 59 || Number(m[6]) >= 61) {
    throw new TraceFormatError(where, `expected a time like 2023-11-16 18:17:03.9799600, found ${JSON.stringify(text)}`);
  }
  if (Number.isNaN(clock.refDay)) clock.refDay = day;
  return (day - clock.refDay) * 86_400 + Number(m[4]) * 3600 + Number(m[5]) * 60 + Number(m[6]);
}
