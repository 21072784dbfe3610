import type { StrategyResult } from "../strategies/index.js";

/** Numbers as the report prints them: fixed rules, so the same inputs always print the same text. */
export function fixed(value: number, digits: number): string {
  if (!Number.isFinite(value)) return "—";
  return value.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

export function whole(value: number): string {
  return fixed(value, 0);
}

export function percent(value: number, digits = 1): string {
  return Number.isFinite(value) ? `${fixed(value * 100, digits)}%` : "—";
}

export function usd(value: number): string {
  return Number.isFinite(value) ? `$${fixed(value, 0)}` : "—";
}

/** A latency; Infinity (a quantile that falls among failed requests) prints as "∞ (failed)". */
export function ms(value: number | undefined): string {
  if (value === Infinity) return "∞ (failed)";
  if (value === undefined || !Number.isFinite(value)) return "—";
  return value >= 10_000 ? `${fixed(value / 1000, 1)} s` : `${fixed(value, 0)} ms`;
}

/** Cost of the baseline divided by this strategy's: "8.1×" means eight times cheaper. */
export function ratio(baseline: number, value: number): string {
  if (!(baseline > 0) || !(value > 0)) return "—";
  return `${fixed(baseline / value, baseline / value >= 10 ? 1 : 2)}×`;
}

export function sloAttainment(r: StrategyResult): number {
  return r.kind === "bound" || r.requests === 0 ? NaN : r.withinSlo / r.requests;
}

/** The baselines run: the dedicated-endpoint strategies, cheapest first; the first is the headline ratio's. */
export function baselines(results: readonly StrategyResult[]): StrategyResult[] {
  return results.filter((r) => r.baseline).sort((x, y) => x.cost - y.cost);
}

/** What the headline ratio divides: the cheapest dedicated baseline run, else the first column. */
export function ratioBaseline(results: readonly StrategyResult[]): StrategyResult {
  return baselines(results)[0] ?? results[0];
}

/** "(a2)" from "(a2) dedicated, …": how the table names a column in a row label. */
export function shortLabel(r: StrategyResult): string {
  return /^\([^)]+\)/.exec(r.label)?.[0] ?? r.label;
}

/** The headline: strategies side by side, one row per figure; the ratio rows divide each baseline's cost by each column's. */
export function headlineRows(results: readonly StrategyResult[]): string[][] {
  const base = ratioBaseline(results);
  const others = baselines(results).filter((r) => r !== base);
  const row = (label: string, cell: (r: StrategyResult) => string) => [label, ...results.map(cell)];
  const simulated = (cell: (r: StrategyResult) => string) => (r: StrategyResult) => (r.kind === "bound" ? "—" : cell(r));
  return [
    ["", ...results.map((r) => r.label)],
    row("GPU-hours", (r) => whole(r.gpuHours)),
    row("instance-hours", (r) => fixed(r.instanceHours, 1)),
    row("cost (USD)", (r) => usd(r.cost)),
    row(`cost ratio: ${shortLabel(base)} ÷ this${others.length > 0 ? " (cheaper baseline)" : ""}`, (r) => ratio(base.cost, r.cost)),
    ...others.map((o) => row(`cost ratio: ${shortLabel(o)} ÷ this`, (r) => ratio(o.cost, r.cost))),
    row(
      "mean GPU utilization",
      simulated((r) => percent(r.meanGpuUtilization)),
    ),
    row(
      "requests within SLO",
      simulated((r) => percent(sloAttainment(r), 2)),
    ),
    row(
      "failed requests",
      simulated((r) => whole(r.failed)),
    ),
    row(
      "held requests",
      simulated((r) => whole(r.held)),
    ),
    row(
      "cold starts",
      simulated((r) => whole(r.coldStarts)),
    ),
    row(
      "p50 SLO latency",
      simulated((r) => ms(r.p50Ms)),
    ),
    row(
      "p99 SLO latency",
      simulated((r) => ms(r.p99Ms)),
    ),
    row(
      "p99 end to end",
      simulated((r) => ms(r.p99E2eMs)),
    ),
    row("peak instances", (r) => whole(r.peakInstances)),
    ...(results.some((r) => r.consolidation) ? [row("instances freed by consolidation", (r) => (r.consolidation ? whole(r.consolidation.freed) : "—"))] : []),
  ];
}

const cellEscapes: Record<string, string> = { "|": "\\|", "<": "&lt;", ">": "&gt;", "&": "&amp;" };

/** A `|` would end the cell early, and `<` or `&` start HTML, in text that comes from the inputs (trace stream ids). */
function escapeCell(text: string): string {
  return text.replace(/[|<>&]/g, (c) => cellEscapes[c]);
}

/** A Markdown table with padded columns, readable in a terminal as it is. */
export function markdownTable(cells: readonly (readonly string[])[], align: ("l" | "r")[] = []): string {
  const rows = cells.map((r) => r.map(escapeCell));
  const widths = rows[0].map((_, c) => Math.max(3, ...rows.map((r) => r[c].length)));
  const pad = (text: string, c: number) => ((align[c] ?? (c === 0 ? "l" : "r")) === "l" ? text.padEnd(widths[c]) : text.padStart(widths[c]));
  const line = (r: readonly string[]) => `| ${r.map(pad).join(" | ")} |`;
  const rule = `|${widths.map((w, c) => ((align[c] ?? (c === 0 ? "l" : "r")) === "l" ? `:${"-".repeat(w + 1)}` : `${"-".repeat(w + 1)}:`)).join("|")}|`;
  return [line(rows[0]), rule, ...rows.slice(1).map(line)].join("\n");
}
