import { canonicalId } from "../../metrics/series-table.js";
import { listedAcross, seriesKey } from "../../metrics/types.js";
import { compact } from "../output.js";
import type { CloudWatchDeps } from "./deps.js";
import { decodeToken, encodeToken, fingerprint } from "./tokens.js";

const pageSize = 500;
/**
 * Series one call looks at, matching or not: a page whose filter matches few of many series ends early
 * with a NextToken (as CloudWatch's can), so no call holds the event loop for more than a few ms.
 */
export const seriesExaminedPerCall = 5_000;

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  NextToken?: string;
  RecentlyActive?: "PT3H";
}

/**
 * Series that match (dimensions as a subset), sorted, 500 per page. RecentlyActive: data in the last 3 API
 * hours. The stores read one page (and one series more, to know whether a NextToken is due) after the
 * token's series, looking at no more than seriesExaminedPerCall series: a call costs its page, not every
 * series held. A page may hold fewer than 500 series, or none, and still have a NextToken.
 */
export async function listMetrics(deps: CloudWatchDeps, input: ListMetricsInput) {
  const activeSinceMs = input.RecentlyActive ? deps.clock.now() - deps.timeScale.ms(3 * 3600) : undefined;
  const filter = fingerprint([input.Namespace, input.MetricName, input.Dimensions, input.RecentlyActive]);
  const cursor =
    input.NextToken === undefined
      ? undefined
      : decodeToken<{ after: string; filter: string }>(input.NextToken, (c) => typeof c.after === "string" && c.filter === filter);
  const { metrics, stoppedAt } = await listedAcross(deps.reader, {
    namespace: input.Namespace,
    name: input.MetricName,
    dimensions: input.Dimensions,
    activeSinceMs,
    after: cursor?.after,
    limit: pageSize + 1,
    examine: seriesExaminedPerCall,
  });
  const page = metrics.slice(0, pageSize);
  const after = metrics.length > pageSize ? seriesKey(canonicalId(page[page.length - 1]!)) : stoppedAt;
  return compact({
    Metrics: page.map((m) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })) })),
    NextToken: after === undefined ? undefined : encodeToken({ after, filter }),
  });
}
