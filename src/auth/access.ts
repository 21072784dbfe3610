import { sageMakerArn, type Account, type SageMakerResource } from "../domain/arn.js";

/** What one request asks to do: an IAM action on one or more resources (all must be allowed). */
export interface AccessRequest {
  action: string;
  resources: string[];
}

/** Each JSON service's X-Amz-Target prefix → its IAM action prefix and its SigV4 signing name. */
export const jsonServices: Record<string, { iam: string; signingName: string }> = {
  SageMaker: { iam: "sagemaker", signingName: "sagemaker" },
  AnyScaleFrontendService: { iam: "application-autoscaling", signingName: "application-autoscaling" },
  GraniteServiceVersion20100801: { iam: "cloudwatch", signingName: "monitoring" },
};

/** The runtime, Berth's own REST views and /metrics are signed for this service, as SageMaker Runtime is. */
export const pathSigningName = "sagemaker";

const sageMakerResourceMembers: [RegExp, SageMakerResource, string][] = [
  [/InferenceComponent/, "inference-component", "InferenceComponentName"],
  [/EndpointConfig$/, "endpoint-config", "EndpointConfigName"],
  [/Endpoint/, "endpoint", "EndpointName"],
  [/Model$/, "model", "ModelName"],
];

/** CloudWatch operations that act on each alarm they name in AlarmNames (DescribeAlarms only reads, and filters). */
const alarmListOperations = new Set(["DeleteAlarms", "EnableAlarmActions", "DisableAlarmActions"]);

/** The action and resources of an awsJson operation, from its validated input. */
export function jsonOperationAccess(targetPrefix: string, operation: string, input: Record<string, unknown>, account: Account): AccessRequest {
  const service = jsonServices[targetPrefix]?.iam ?? targetPrefix.toLowerCase();
  const action = `${service}:${operation}`;
  // Tag calls name their resource by ARN (SageMaker's ResourceArn, Application Auto Scaling's ResourceARN).
  // SageMaker finds the resource of an ARN whatever the case of its name (src/operations/tags.ts), so the
  // policy sees the ARN as SageMaker writes it: `model/PROD` must not slip past a Deny on `model/prod`.
  const tagged = input.ResourceArn ?? input.ResourceARN;
  if (typeof tagged === "string") return { action, resources: [service === "sagemaker" ? tagged.toLowerCase() : tagged] };
  if (service === "sagemaker" && !operation.startsWith("List")) {
    for (const [pattern, resource, member] of sageMakerResourceMembers) {
      if (pattern.test(operation) && typeof input[member] === "string")
        return { action, resources: [sageMakerArn(account, resource, input[member] as string)] };
    }
  }
  if (service === "cloudwatch") {
    const names =
      typeof input.AlarmName === "string"
        ? [input.AlarmName]
        : alarmListOperations.has(operation) && Array.isArray(input.AlarmNames)
          ? (input.AlarmNames as string[])
          : [];
    if (names.length > 0) return { action, resources: names.map((name) => `arn:aws:cloudwatch:${account.region}:${account.accountId}:alarm:${name}`) };
  }
  return { action, resources: ["*"] };
}

/** InvokeEndpoint and InvokeEndpointWithResponseStream both need sagemaker:InvokeEndpoint on the endpoint. */
export function invokeAccess(endpointName: string, account: Account): AccessRequest {
  return { action: "sagemaker:InvokeEndpoint", resources: [sageMakerArn(account, "endpoint", endpointName)] };
}

export const describeInstancesAccess: AccessRequest = { action: "berth:DescribeInstances", resources: ["*"] };
export const getMetricsAccess: AccessRequest = { action: "berth:GetMetrics", resources: ["*"] };
/** A component's copies' output may hold what its requests carried: allowed per component, like invoking it. */
export function copyLogsAccess(componentName: string, account: Account): AccessRequest {
  return { action: "berth:GetCopyLogs", resources: [sageMakerArn(account, "inference-component", componentName)] };
}
export const describeClusterAccess: AccessRequest = { action: "berth:DescribeCluster", resources: ["*"] };
/** The join token lets a host run copies for the cluster: administrators only, like key management. */
export const getJoinTokenAccess: AccessRequest = { action: "berth:GetJoinToken", resources: ["*"] };
