import * as activities from "../../operations/autoscaling/describe-activities.js";
import type { AutoscalingDeps } from "../../operations/autoscaling/deps.js";
import * as policies from "../../operations/autoscaling/policies.js";
import * as scheduled from "../../operations/autoscaling/scheduled-actions.js";
import * as tags from "../../operations/autoscaling/tags.js";
import * as targets from "../../operations/autoscaling/targets.js";
import { autoscalingErrors } from "../../domain/errors/autoscaling.js";
import { JsonService, type JsonOperation } from "../awsjson/service.js";
import { applicationAutoscalingModel } from "../shapes/application-autoscaling.generated.js";

/** Application Auto Scaling (awsJson1_1, target prefix AnyScaleFrontendService). */
export function autoscalingService(deps: AutoscalingDeps, options: { maxBodyBytes: number }): JsonService {
  const operations: Record<string, JsonOperation> = {
    RegisterScalableTarget: (input) => targets.registerScalableTarget(deps, input),
    DescribeScalableTargets: (input) => targets.describeScalableTargets(deps, input),
    DeregisterScalableTarget: (input) => targets.deregisterScalableTarget(deps, input),
    PutScalingPolicy: (input) => policies.putScalingPolicy(deps, input),
    DescribeScalingPolicies: (input) => policies.describeScalingPolicies(deps, input),
    DeleteScalingPolicy: (input) => policies.deleteScalingPolicy(deps, input),
    DescribeScalingActivities: (input) => activities.describeScalingActivities(deps, input),
    PutScheduledAction: (input) => scheduled.putScheduledAction(deps, input),
    DescribeScheduledActions: (input) => scheduled.describeScheduledActions(deps, input),
    DeleteScheduledAction: (input) => scheduled.deleteScheduledAction(deps, input),
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
