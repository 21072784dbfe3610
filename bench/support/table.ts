/** A table printed to the terminal with aligned columns and written as Markdown for the README. */
export interface Table {
  head: string[];
  rows: string[][];
  /** Columns aligned right (numbers); the others left. */
  right?: number[];
}

export function textTable(table: Table): string {
  const widths = table.head.map((h, i) => Math.max(h.length, ...table.rows.map((r) => (r[i] ?? "").length)));
  const cell = (text: string, i: number) => (table.right?.includes(i) ? text.padStart(widths[i]!) : text.padEnd(widths[i]!));
  const line = (cells: string[]) => cells.map(cell).join("  ").trimEnd();
  return [line(table.head), widths.map((w) => "-".repeat(w)).join("  "), ...table.rows.map(line)].join("\n");
}

export function markdownTable(table: Table): string {
  const align = table.head.map((_, i) => (table.right?.includes(i) ? "---:" : "---"));
  const line = (cells: string[]) => `| ${cells.map((c) => c.replaceAll("|", "\\|")).join(" | ")} |`;
  return [line(table.head), `|${align.join("|")}|`, ...table.rows.map(line)].join("\n");
}

/** null too: a NaN that crossed the load generator's IPC channel (JSON) arrives as null. */
export function fixed(value: number | undefined | null, digits = 2): string {
  return value === undefined || value === null || Number.isNaN(value) ? "–" : value.toFixed(digits);
}

export function signed(value: number | undefined, digits = 2): string {
  return value === undefined || Number.isNaN(value) ? "" : `${value >= 0 ? "+" : ""}${value.toFixed(digits)}`;
}

export function median(values: number[]): number {
  const sorted = values.filter((v) => !Number.isNaN(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return NaN;
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
