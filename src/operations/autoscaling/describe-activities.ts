import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import type { ScalingActivityRecord } from "../../autoscaling/records.js";
import { compact, time } from "../output.js";
import type { DescribeScalingActivitiesInput } from "./activities.js";
import type { AutoscalingDeps } from "./deps.js";
import { newestFirst, pageOf } from "./paging.js";
import { recordsOfResource } from "./resource-prefix.js";

/** Newest first; activities where a policy wanted to scale but a rule stopped it appear only with IncludeNotScaledActivities. */
export async function describeScalingActivities(deps: AutoscalingDeps, input: DescribeScalingActivitiesInput) {
  const all = (await recordsOfResource(deps, "scaling-activity", input)).filter((a) => input.IncludeNotScaledActivities || !a.notScaledReasons);
  const page = pageOf(all, input, 50, newestFirst);
  return compact({
    ScalingActivities: page.items.map((a) =>
      compact({
        ActivityId: a.activityId,
        ServiceNamespace: a.serviceNamespace,
        ResourceId: a.resourceId,
        ScalableDimension: a.scalableDimension,
        Description: a.description,
        Cause: a.cause,
        StartTime: time(a.startTime),
        EndTime: time(a.endTime),
        StatusCode: a.statusCode,
        StatusMessage: a.statusMessage,
        NotScaledReasons: a.notScaledReasons,
      }),
    ),
    NextToken: page.nextToken,
  });
}
