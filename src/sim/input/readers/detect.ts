import { open, readdir, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";
import { TraceFormatError } from "../errors.js";
import { resolveTraceOptions, type Trace, type TraceFormat, type TraceOptions } from "../trace.js";
import { readAzureFunctions } from "./azure-functions.js";
import { readAzureLlm } from "./azure-llm.js";
import { readMooncake } from "./mooncake.js";
import { chunkFilePattern, readServeGen } from "./servegen.js";

export interface TraceLayout {
  format: TraceFormat;
  /** The files to read (for azure-functions: the folder holding invocations.csv). */
  files: string[];
}

export const understoodFormats = [
  "azure-llm: a .csv file whose header is TIMESTAMP,ContextTokens,GeneratedTokens (one request per row), or a folder of such files",
  'mooncake: a .jsonl file with one {"timestamp": ms, "input_length": n, "output_length": n, "hash_ids": [...]} object per line, or a folder of such files',
  "azure-functions: a folder holding invocations.csv (HashOwner,HashApp,HashFunction,Trigger, then one column per minute), optionally durations.csv and memory.csv",
  "servegen: a chunk-<client>-trace.csv file (no header; window start, rate, cv, Gamma|Weibull|empty, shape, scale), a folder of them, or a folder of such folders",
];

/** Reads a trace file or folder in any understood format into the normalised Trace. */
export async function readTrace(path: string, options: TraceOptions = {}): Promise<Trace> {
  const resolved = resolveTraceOptions(options);
  const layout = await detectTrace(path);
  switch (layout.format) {
    case "azure-llm":
      return readAzureLlm(layout.files, path, resolved);
    case "mooncake":
      return readMooncake(layout.files, path, resolved);
    case "azure-functions":
      return readAzureFunctions(layout.files[0], path, resolved);
    case "servegen":
      return readServeGen(layout.files, path, resolved);
  }
}

/** Decides the format from file names and a peek at the first line. */
export async function detectTrace(path: string): Promise<TraceLayout> {
  let info;
  try {
    info = await stat(path);
  } catch {
    throw new TraceFormatError({ file: path }, "no such file or folder; pass the path of a trace file or of a folder of trace files");
  }
  const layout = info.isDirectory() ? await detectFolder(path) : await detectFile(path);
  if (layout) return layout;
  throw new TraceFormatError({ file: path }, `cannot tell which trace format this is. Understood formats:\n  - ${understoodFormats.join("\n  - ")}`);
}

async function detectFile(file: string): Promise<TraceLayout | undefined> {
  const name = basename(file);
  if (chunkFilePattern.test(name)) return { format: "servegen", files: [file] };
  const head = await peekLine(file);
  if (name === "invocations.csv" || head.startsWith("HashOwner,HashApp,HashFunction,Trigger")) return { format: "azure-functions", files: [dirname(file)] };
  if (/(^|,)\s*TIMESTAMP\s*(,|$)/.test(head)) return { format: "azure-llm", files: [file] };
  if (looksLikeMooncake(head)) return { format: "mooncake", files: [file] };
  return undefined;
}

async function detectFolder(dir: string): Promise<TraceLayout | undefined> {
  const entries = (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name));
  const names = entries.filter((e) => e.isFile()).map((e) => e.name);
  if (names.includes("invocations.csv")) return { format: "azure-functions", files: [dir] };
  const chunks = chunkFiles(dir, names);
  if (chunks.length > 0) return { format: "servegen", files: chunks };
  const nested: string[] = [];
  for (const sub of entries.filter((e) => e.isDirectory())) nested.push(...chunkFiles(join(dir, sub.name), await readdir(join(dir, sub.name))));
  if (nested.length > 0) return { format: "servegen", files: nested };
  const jsonl: string[] = [];
  const llm: string[] = [];
  for (const name of names) {
    const file = join(dir, name);
    if (name.endsWith(".jsonl") && looksLikeMooncake(await peekLine(file))) jsonl.push(file);
    else if (name.endsWith(".csv") && /(^|,)\s*TIMESTAMP\s*(,|$)/.test(await peekLine(file))) llm.push(file);
  }
  if (jsonl.length > 0 && llm.length === 0) return { format: "mooncake", files: jsonl };
  if (llm.length > 0 && jsonl.length === 0) return { format: "azure-llm", files: llm };
  return undefined;
}

function chunkFiles(dir: string, names: string[]): string[] {
  return names
    .map((name) => ({ name, client: chunkFilePattern.exec(name)?.[1] }))
    .filter((x) => x.client !== undefined)
    .sort((a, b) => Number(a.client) - Number(b.client))
    .map((x) => join(dir, x.name));
}

function looksLikeMooncake(line: string): boolean {
  return line.trimStart().startsWith("{") && line.includes('"timestamp"') && line.includes('"input_length"');
}

async function peekLine(file: string): Promise<string> {
  const handle = await open(file, "r");
  try {
    const buffer = Buffer.alloc(4096);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const text = buffer
      .subarray(0, bytesRead)
      .toString("utf8")
      .replace(/^\uFEFF/, "");
    const end = text.indexOf("\n");
    return (end === -1 ? text : text.slice(0, end)).replace(/\r$/, "");
  } finally {
    await handle.close();
  }
}
