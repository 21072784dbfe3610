import { offsetPage } from "../offset-paging.js";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";

/** Offset paging for AAS's Describe calls, whose MaxResults has an upper bound per call. */
export function pageOf<T>(all: T[], input: { MaxResults?: number; NextToken?: string }, defaultMax: number): { items: T[]; nextToken?: string } {
  if (input.MaxResults !== undefined && (input.MaxResults < 1 || input.MaxResults > defaultMax))
    throw autoscalingErrors.maxResults(input.MaxResults, defaultMax);
  return offsetPage(all, input, defaultMax, autoscalingErrors.invalidNextToken);
}
