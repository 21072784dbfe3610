import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { queryScope, runQueriesYielding, type MetricDataQuery } from "../../metrics/metric-data.js";
import { gathered } from "../../metrics/types.js";
import { compact, time } from "../output.js";
import type { CloudWatchDeps } from "./deps.js";
import { checkQueryDimensions, timeRange } from "./metric-input.js";
import { decodeToken, encodeToken, fingerprint } from "./tokens.js";

export interface GetMetricDataInput {
  MetricDataQueries: MetricDataQuery[];
  StartTime: number;
  EndTime: number;
  NextToken?: string;
  ScanBy?: "TimestampDescending" | "TimestampAscending";
  MaxDatapoints?: number;
}

/** Runs the queries; MaxDatapoints (default 100,800) datapoints per page across all results, NextToken for the rest. */
export async function getMetricData(deps: CloudWatchDeps, input: GetMetricDataInput) {
  const range = timeRange(input.StartTime, input.EndTime);
  if (input.MaxDatapoints !== undefined && input.MaxDatapoints < 1) throw cloudWatchErrors.invalidValue("MaxDatapoints must be at least 1.");
  checkQueryDimensions(input.MetricDataQueries, "MetricDataQueries");
  const reader = await gathered(deps.reader, queryScope(input.MetricDataQueries, range, deps.timeScale));
  const results = await runQueriesYielding(reader, input.MetricDataQueries, range, deps.timeScale, () => new Promise((resolve) => setImmediate(resolve)));
  if (results.length === 0) throw cloudWatchErrors.nothingReturned();
  const descending = (input.ScanBy ?? "TimestampDescending") === "TimestampDescending";
  const request = fingerprint([input.MetricDataQueries, input.StartTime, input.EndTime, input.ScanBy]);
  const offset =
    input.NextToken === undefined
      ? 0
      : decodeToken<{ offset: number; request: string }>(input.NextToken, (c) => typeof c.offset === "number" && c.request === request).offset;
  const max = input.MaxDatapoints ?? 100_800;
  let position = 0;
  let more = false;
  const out = results.map((result) => {
    const order = result.timestamps.map((_, i) => i);
    if (descending) order.reverse();
    const from = Math.max(0, offset - position);
    const to = Math.max(0, Math.min(order.length, offset + max - position));
    position += order.length;
    const slice = from < to ? order.slice(from, to) : [];
    const partial = to < order.length;
    if (partial) more = true;
    return {
      Id: result.id,
      Label: result.label,
      Timestamps: slice.map((i) => time(result.timestamps[i]!)),
      Values: slice.map((i) => result.values[i]!),
      StatusCode: partial ? "PartialData" : "Complete",
    };
  });
  return compact({ MetricDataResults: out, Messages: [], NextToken: more ? encodeToken({ offset: offset + max, request }) : undefined });
}
