import { readFile } from "node:fs/promises";
import { TraceFormatError, type TraceLocation } from "./errors.js";

/** Reads a whole text file; a missing or unreadable file becomes a TraceFormatError naming it. */
export async function readText(file: string): Promise<string> {
  try {
    const text = await readFile(file, "utf8");
    return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  } catch (error) {
    throw new TraceFormatError({ file }, `cannot read the file (${(error as Error).message})`);
  }
}

/** Calls fn for every line that is not blank, with its 1-based line number; tolerates CRLF. */
export function forEachLine(text: string, fn: (line: string, lineNumber: number) => void): void {
  let start = 0;
  for (let lineNumber = 1; start < text.length; lineNumber++) {
    let end = text.indexOf("\n", start);
    if (end === -1) end = text.length;
    const stop = end > start && text.charCodeAt(end - 1) === 13 ? end - 1 : end;
    if (stop > start) {
      const line = text.slice(start, stop);
      if (line.trim() !== "") fn(line, lineNumber);
    }
    start = end + 1;
  }
}

/** The first line of a text, without its line break. */
export function firstLine(text: string): string {
  const end = text.indexOf("\n");
  return (end === -1 ? text : text.slice(0, end)).replace(/\r$/, "");
}

/** The largest count a trace's Int32Array columns hold; a larger one would wrap around to a negative number. */
export const maxWholeCell = 2 ** 31 - 1;

/** Tokens one request may have (input or output): ten million, beyond the longest context windows offered. */
export const maxTokensPerRequest = 10_000_000;

/** Digits only: counts and token lengths, at most `max`. */
export function parseWholeNumber(text: string, where: TraceLocation, max = maxWholeCell): number {
  const trimmed = text.trim();
  let ok = trimmed.length > 0 && trimmed.length < 16;
  for (let i = 0; ok && i < trimmed.length; i++) {
    const c = trimmed.charCodeAt(i);
    ok = c >= 48 && c <= 57;
  }
  if (!ok) throw new TraceFormatError(where, `expected a whole number, found ${JSON.stringify(text)}`);
  const value = Number(trimmed);
  if (value > max) throw new TraceFormatError(where, tooLarge(max, JSON.stringify(text)));
  return value;
}

/** The message for a whole number above its field's maximum. */
export function tooLarge(max: number, found: string): string {
  const what = max === maxTokensPerRequest ? "tokens (the most one request may have)" : "(the most this column holds)";
  return `expected at most ${max.toLocaleString("en-US")} ${what}, found ${found}; correct the value or remove the row`;
}

/** A finite decimal number of at least 0 (rates, times, percentiles); `limit` bounds it from above. */
export function parseNonNegative(text: string, where: TraceLocation, limit?: { max: number; means: string }): number {
  const trimmed = text.trim();
  const value = trimmed === "" ? NaN : Number(trimmed);
  if (!(Number.isFinite(value) && value >= 0)) throw new TraceFormatError(where, `expected a number of at least 0, found ${JSON.stringify(text)}`);
  if (limit !== undefined && value > limit.max) {
    throw new TraceFormatError(
      where,
      `expected at most ${limit.max.toLocaleString("en-US")} (${limit.means}), found ${JSON.stringify(text)}; correct the value or remove the row`,
    );
  }
  return value;
}

/** Comma-separated cells of one line; the traces here never quote cells. */
export function splitCells(line: string, expected: number, where: TraceLocation, names: string): string[] {
  const cells = line.split(",");
  if (cells.length !== expected) {
    throw new TraceFormatError(where, `expected ${expected} comma-separated cells (${names}), found ${cells.length}`);
  }
  return cells;
}
