import { canonicalId } from "../../metrics/series-table.js";
import { listedAcross, seriesKey } from "../../metrics/types.js";
import { compact } from "../output.js";
import type { CloudWatchDeps } from "./deps.js";
import { decodeToken, encodeToken, fingerprint } from "./tokens.js";

const pageSize = 500;

export interface ListMetricsInput {
  Namespace?: string;
  MetricName?: string;
  Dimensions?: { Name: string; Value?: string }[];
  NextToken?: string;
  RecentlyActive?: "PT3H";
}

/** Series that match (dimensions as a subset), sorted, 500 per page. RecentlyActive: data in the last 3 API hours. */
export async function listMetrics(deps: CloudWatchDeps, input: ListMetricsInput) {
  const activeSinceMs = input.RecentlyActive ? deps.clock.now() - deps.timeScale.ms(3 * 3600) : undefined;
  const filter = fingerprint([input.Namespace, input.MetricName, input.Dimensions, input.RecentlyActive]);
  let metrics = (await listedAcross(deps.reader, { namespace: input.Namespace, name: input.MetricName, dimensions: input.Dimensions, activeSinceMs })).map(
    (m) => ({ m, key: seriesKey(canonicalId(m)) }),
  );
  if (input.NextToken !== undefined) {
    const cursor = decodeToken<{ after: string; filter: string }>(input.NextToken, (c) => typeof c.after === "string" && c.filter === filter);
    metrics = metrics.filter((x) => x.key > cursor.after);
  }
  const page = metrics.slice(0, pageSize);
  return compact({
    Metrics: page.map(({ m }) => ({ Namespace: m.namespace, MetricName: m.name, Dimensions: m.dimensions.map((d) => ({ Name: d.Name, Value: d.Value })) })),
    NextToken: metrics.length > pageSize ? encodeToken({ after: page[page.length - 1]!.key, filter }) : undefined,
  });
}
