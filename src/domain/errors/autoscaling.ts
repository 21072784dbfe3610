import { BerthError } from "./berth-error.js";
import { reservedTagText } from "./sagemaker.js";

const client = (code: string, message: string) => new BerthError({ code, httpStatus: 400, message });

/** Application Auto Scaling errors (the service model declares no HTTP statuses; 400 for client faults, 500 for server faults). */
export const autoscalingErrors = {
  fieldValidation: (violations: string[]) =>
    client("ValidationException", `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`),
  invalid: (message: string) => client("ValidationException", message),
  onlySageMaker: (namespace: string) =>
    client(
      "ValidationException",
      `Berth scales SageMaker resources only; ServiceNamespace '${namespace}' is not served here. Use ServiceNamespace 'sagemaker'.`,
    ),
  badResourceId: (resourceId: string, dimension: string) =>
    client(
      "ValidationException",
      `ResourceId '${resourceId}' does not fit ScalableDimension '${dimension}'. Use inference-component/<name> with sagemaker:inference-component:DesiredCopyCount, or endpoint/<endpoint>/variant/<variant> with sagemaker:variant:DesiredInstanceCount.`,
    ),
  resourceMissing: (resourceId: string, what: string) =>
    client("ValidationException", `Unable to register ${resourceId}: ${what} does not exist. Create it first.`),
  capacityNeeded: () => client("ValidationException", "MinCapacity and MaxCapacity are required when registering a new scalable target."),
  minAboveMax: (min: number, max: number) => client("ValidationException", `Minimum capacity (${min}) cannot be greater than maximum capacity (${max}).`),
  negative: (what: string) => client("ValidationException", `${what} must be 0 or more.`),
  targetNotFound: (resourceId: string, dimension: string) =>
    client(
      "ObjectNotFoundException",
      `No scalable target registered for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: ${dimension}. Register it with RegisterScalableTarget first.`,
    ),
  policyNotFound: (name: string, resourceId: string) =>
    client("ObjectNotFoundException", `No scaling policy found for service namespace: sagemaker, resource ID: ${resourceId}, policy name: ${name}`),
  dimensionNeedsResource: () => client("ValidationException", "ScalableDimension can only be given together with ResourceIds (or ResourceId)."),
  policyConfigMissing: (type: string) =>
    client(
      "ValidationException",
      `A ${type} policy needs its ${type === "StepScaling" ? "StepScalingPolicyConfiguration" : "TargetTrackingScalingPolicyConfiguration"}.`,
    ),
  policyConfigMismatch: (type: string) =>
    client("ValidationException", `PolicyType ${type} takes only its own configuration; remove the other policy configuration.`),
  predictiveUnsupported: () =>
    client("ValidationException", "PredictiveScaling is not supported for SageMaker resources. Use TargetTrackingScaling or StepScaling."),
  badTargetTracking: (problem: string) => client("ValidationException", `Invalid target tracking policy: ${problem}.`),
  badSteps: (problem: string) => client("ValidationException", `Invalid step adjustments: ${problem}.`),
  adjustmentTypeRequired: () => client("ValidationException", "AdjustmentType is required when creating a step scaling policy."),
  maxResults: (value: number, max: number) =>
    client(
      "ValidationException",
      `1 validation error detected: Value '${value}' at 'maxResults' failed to satisfy constraint: Member must have value between 1 and ${max}`,
    ),
  invalidNextToken: () => client("InvalidNextTokenException", "The NextToken is not valid for this request. Start again without NextToken."),
  scheduledActionNotFound: (name: string, resourceId: string, dimension: string) =>
    client(
      "ObjectNotFoundException",
      `No scheduled action found for service namespace: sagemaker, resource ID: ${resourceId}, scalable dimension: ${dimension}, scheduled action name: ${name}`,
    ),
  badSchedule: (schedule: string, problem: string) => client("ValidationException", `Schedule expression '${schedule}' is not valid: ${problem}.`),
  scheduleNeeded: () => client("ValidationException", "Schedule is required when creating a scheduled action."),
  badTimezone: (zone: string) =>
    client("ValidationException", `Timezone '${zone}' is not a valid time zone. Use an IANA time zone name, such as UTC or America/New_York.`),
  startAfterEnd: () => client("ValidationException", "StartTime must be before EndTime."),
  tooManyScheduledActions: (limit: number) =>
    client("LimitExceededException", `A scalable target can have at most ${limit} scheduled actions. Delete one first.`),
  resourceNotFound: (arn: string) =>
    new BerthError({
      code: "ResourceNotFoundException",
      httpStatus: 400,
      message: `The specified resource doesn't exist: no scalable target has ARN ${arn}. DescribeScalableTargets lists each target's ScalableTargetARN.`,
      members: { ResourceName: arn },
    }),
  tooManyTags: (arn: string, count: number, limit: number) =>
    new BerthError({
      code: "TooManyTagsException",
      httpStatus: 400,
      message: `The request contains too many tags: the scalable target would have ${count} tags, more than the limit of ${limit}. Try the request again with fewer tags, or remove tags with UntagResource first.`,
      members: { ResourceName: arn },
    }),
  registerTooManyTags: (count: number, limit: number) =>
    client("ValidationException", `The scalable target would have ${count} tags, more than the limit of ${limit}. Give fewer Tags.`),
  reservedTagKey: (key: string, prefix: string) => client("ValidationException", reservedTagText(key, prefix)),
  tooManyPolicies: (limit: number) => client("LimitExceededException", `A scalable target can have at most ${limit} scaling policies. Delete one first.`),
};
