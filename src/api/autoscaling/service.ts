import * as activities from "../../operations/autoscaling/describe-activities.js";
import type { AutoscalingDeps } from "../../operations/autoscaling/deps.js";
import * as policies from "../../operations/autoscaling/policies.js";
import * as scheduled from "../../operations/autoscaling/scheduled-actions.js";
import * as tags from "../../operations/autoscaling/tags.js";
import * as targets from "../../operations/autoscaling/targets.js";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { withResourceSpelling } from "../../operations/autoscaling/resource-spelling.js";
import { JsonService, type JsonOperation } from "../awsjson/service.js";
import { applicationAutoscalingModel } from "../shapes/application-autoscaling.generated.js";

/** Application Auto Scaling (awsJson1_1, target prefix AnyScaleFrontendService). */
export function autoscalingService(deps: AutoscalingDeps, options: { maxBodyBytes: number }): JsonService {
  // Every operation that names a resource sees it in one spelling (resource-spelling.ts).
  const spelled =
    (operation: JsonOperation): JsonOperation =>
    async (input, ctx) =>
      operation(await withResourceSpelling(deps.store, input as Record<string, unknown>), ctx);
  const operations: Record<string, JsonOperation> = {
    RegisterScalableTarget: spelled((input) => targets.registerScalableTarget(deps, input)),
    DescribeScalableTargets: spelled((input) => targets.describeScalableTargets(deps, input)),
    DeregisterScalableTarget: spelled((input) => targets.deregisterScalableTarget(deps, input)),
    PutScalingPolicy: spelled((input) => policies.putScalingPolicy(deps, input)),
    DescribeScalingPolicies: spelled((input) => policies.describeScalingPolicies(deps, input)),
    DeleteScalingPolicy: spelled((input) => policies.deleteScalingPolicy(deps, input)),
    DescribeScalingActivities: spelled((input) => activities.describeScalingActivities(deps, input)),
    PutScheduledAction: spelled((input) => scheduled.putScheduledAction(deps, input)),
    DescribeScheduledActions: spelled((input) => scheduled.describeScheduledActions(deps, input)),
    DeleteScheduledAction: spelled((input) => scheduled.deleteScheduledAction(deps, input)),
    TagResource: (input) => tags.tagResource(deps, input),
    UntagResource: (input) => tags.untagResource(deps, input),
    ListTagsForResource: (input) => tags.listTagsForResource(deps, input),
  };
  return new JsonService({
    model: applicationAutoscalingModel,
    operations,
    scope: {
      service: "ApplicationAutoScaling",
      serves:
        "Berth implements Application Auto Scaling for SageMaker endpoint variants and inference components only (scalable targets, target-tracking and step scaling policies, scheduled actions, scaling activities, tags)",
    },
    contentType: "application/x-amz-json-1.1",
    validationError: autoscalingErrors.fieldValidation,
    maxBodyBytes: options.maxBodyBytes,
  });
}
