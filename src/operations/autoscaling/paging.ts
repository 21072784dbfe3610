import { autoscalingErrors } from "../../domain/errors/autoscaling.js";

/**
 * Cursor paging for AAS's Describe calls, whose MaxResults has an upper bound per call. The token holds
 * the sort key of the last item returned and the next page starts after it, so items created or removed
 * between calls (a new scaling activity, a deleted policy) neither repeat nor hide others. Items are
 * listed in ascending order of `sortKey`, one item per key.
 */
export function pageOf<T>(
  all: T[],
  input: { MaxResults?: number; NextToken?: string },
  defaultMax: number,
  sortKey: (item: T) => string,
): { items: T[]; nextToken?: string } {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > defaultMax))
    throw autoscalingErrors.maxResults(input.MaxResults, defaultMax);
  // Ordered here by the same comparison the cursor uses, whatever order the store listed them in.
  const keyed = all.map((item) => ({ key: sortKey(item), item })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let from = 0;
  if (input.NextToken !== undefined) {
    const after = cursorOf(input.NextToken);
    from = keyed.findIndex((entry) => entry.key > after);
    if (from < 0) from = keyed.length;
  }
  const page = keyed.slice(from, from + (input.MaxResults ?? defaultMax));
  const more = from + page.length < keyed.length;
  return {
    items: page.map((entry) => entry.item),
    nextToken: more ? Buffer.from(JSON.stringify({ after: page[page.length - 1]!.key })).toString("base64url") : undefined,
  };
}

function cursorOf(token: string): string {
  try {
    const parsed = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as { after?: unknown };
    if (typeof parsed?.after === "string") return parsed.after;
  } catch {
    // Refused below, as any other token this server did not give.
  }
  throw autoscalingErrors.invalidNextToken();
}

/** Newest first, then by id: a sort key for scaling activities in the order DescribeScalingActivities lists them. */
export function newestFirst(activity: { startTime: number; activityId: string }): string {
  return `${String(Number.MAX_SAFE_INTEGER - activity.startTime).padStart(16, "0")}|${activity.activityId}`;
}
