import { autoscalingErrors } from "../../domain/errors/autoscaling.js";

/** Offset paging for AAS's Describe calls; the token carries the offset and is refused when it does not parse. */
export function pageOf<T>(all: T[], input: { MaxResults?: number; NextToken?: string }, defaultMax: number): { items: T[]; nextToken?: string } {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > defaultMax))
    throw autoscalingErrors.maxResults(input.MaxResults, defaultMax);
  let offset = 0;
  if (input.NextToken !== undefined) {
    const parsed = /^o(\d+)$/.exec(Buffer.from(input.NextToken, "base64url").toString("utf8"));
    if (!parsed) throw autoscalingErrors.invalidNextToken();
    offset = Number(parsed[1]);
  }
  const max = input.MaxResults ?? defaultMax;
  const items = all.slice(offset, offset + max);
  const next = offset + max < all.length ? Buffer.from(`o${offset + max}`).toString("base64url") : undefined;
  return { items, nextToken: next };
}
