import { failureReasons, type FailureCounts } from "../engine/index.js";
import type { PortfolioModel } from "../input/index.js";
import type { StrategyResult } from "../strategies/index.js";
import { plural } from "../strategies/sizing.js";
import { baselines, percent, ratio, ratioBaseline, shortLabel, sloAttainment, usd, whole } from "./table.js";

/** Why requests failed, as the report words it. */
export const failureText: Record<keyof FailureCounts, string> = {
  queue: "waited longer than the hold limit behind other requests on a busy copy",
  startup: "waited longer than the hold limit for a copy that was still starting (a cold start or a scale-out)",
  noCopy: "no copy of the model was placed within the hold limit",
  windowEnd: "still waiting for a copy when the window closed",
};

/** The sentences under the headline table: which baseline the ratio uses, the best strategy, failures, the bound, what the SLOs judge. */
export function headlineSentences(results: readonly StrategyResult[], models: readonly PortfolioModel[]): string[] {
  const out: string[] = [];
  const base = ratioBaseline(results);
  const all = baselines(results);
  if (all.length > 1) {
    const others = all.slice(1).map((o) => `${o.label}, ${usd(o.cost)}`);
    out.push(
      `Cost ratios are against **${base.label}** (${usd(base.cost)}), the cheaper of the dedicated baselines run; the other (${others.join("; ")}) gets its own ratio row.`,
    );
  } else if (all.length === 1) {
    out.push(`Cost ratios are against **${base.label}** (${usd(base.cost)}), the only dedicated baseline run.`);
  } else if (base) {
    out.push(`Cost ratios are against the first column, ${base.label}: no dedicated baseline ((a) or (a2)) was run.`);
  }
  const best = results.filter((r) => r.kind === "simulated" && !r.baseline).sort((x, y) => x.cost - y.cost)[0];
  if (base && best && best !== base) {
    out.push(
      `**${best.label}** costs ${usd(best.cost)} against ${usd(base.cost)} for ${shortLabel(base)}: ${ratio(base.cost, best.cost)} less, ` +
        `with ${percent(sloAttainment(best), 2)} of requests within their SLO against ${percent(sloAttainment(base), 2)}` +
        `${best.failed > 0 ? `, and ${whole(best.failed)} failed requests (${reasonList(best)})` : ""}.`,
    );
  }
  const bound = results.find((r) => r.key === "e" && r.kind === "bound");
  if (bound && base)
    out.push(
      `No way of serving every request uses fewer GPU-hours than the lower bound (busy accelerator time): ${whole(bound.gpuHours)} GPU-hours, ${usd(bound.cost)}, ` +
        `${ratio(base.cost, bound.cost)} below ${shortLabel(base)}.`,
    );
  const ttft = models.filter((m) => m.slo === "ttft").map((m) => m.name);
  out.push(
    ttft.length === models.length
      ? "Every model's SLO is judged by time to first token (queueing + startup + first token)."
      : ttft.length === 0
        ? "Every model's SLO is judged end to end (queueing + startup + the whole response)."
        : `SLOs are judged by time to first token for ${ttft.join(", ")}, and end to end for the other ${plural(models.length - ttft.length, "model")}.`,
  );
  return out;
}

/** "3 queue, 2 startup": the non-zero failure reasons of one strategy. */
function reasonList(r: StrategyResult): string {
  const by = r.failedBy;
  if (!by) return "reasons not recorded";
  const short: Record<keyof FailureCounts, string> = {
    queue: "behind a busy copy",
    startup: "copy still starting",
    noCopy: "no copy placed",
    windowEnd: "window closed",
  };
  return failureReasons
    .filter((k) => by[k] > 0)
    .map((k) => `${whole(by[k])} ${short[k]}`)
    .join(", ");
}
