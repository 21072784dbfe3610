import { mkdirSync, writeFileSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { cleanUpOnSignals, cleanupAll } from "./processes.js";

/**
 * Runs a benchmark that starts processes, stopping them all at the end, on an error and on Ctrl-C, and
 * writes its Markdown table to markdownPath; the text says where.
 */
export async function runWritingMarkdown<R extends { text: string; markdown: string }>(markdownPath: string, run: () => Promise<R>): Promise<R> {
  cleanUpOnSignals();
  try {
    const report = await run();
    const path = resolve(markdownPath);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(path, report.markdown);
    return { ...report, text: `${report.text}\n\nMarkdown written to ${markdownPath}` };
  } finally {
    await cleanupAll();
  }
}
