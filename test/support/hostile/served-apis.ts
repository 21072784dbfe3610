import { autoscalingService } from "../../../src/api/autoscaling/service.js";
import { cloudWatchService } from "../../../src/api/cloudwatch/service.js";
import { sageMakerDeviations, sageMakerService } from "../../../src/api/sagemaker/service.js";
import { applicationAutoscalingModel } from "../../../src/api/shapes/application-autoscaling.generated.js";
import { cloudwatchModel } from "../../../src/api/shapes/cloudwatch.generated.js";
import { sagemakerModel } from "../../../src/api/shapes/sagemaker.generated.js";
import type { ServiceModel } from "../../../src/api/shapes/service-model.js";
import type { ShapeDeviations } from "../../../src/api/shapes/validate.js";

/** One awsJson API Berth serves, with the operations its handler table lists. */
export interface ServedApi {
  name: "sagemaker" | "autoscaling" | "cloudwatch";
  model: ServiceModel;
  deviations: ShapeDeviations;
  contentType: string;
  operations: string[];
}

// The services are built only to read their handler tables; no operation is called, so no deps are needed.
const noDeps = {} as never;
const options = { maxBodyBytes: 1 };

export const servedApis: ServedApi[] = [
  {
    name: "sagemaker",
    model: sagemakerModel,
    deviations: sageMakerDeviations,
    contentType: "application/x-amz-json-1.1",
    operations: sageMakerService(noDeps, options).operationNames,
  },
  {
    name: "autoscaling",
    model: applicationAutoscalingModel,
    deviations: {},
    contentType: "application/x-amz-json-1.1",
    operations: autoscalingService(noDeps, options).operationNames,
  },
  {
    name: "cloudwatch",
    model: cloudwatchModel,
    deviations: {},
    contentType: "application/x-amz-json-1.0",
    operations: cloudWatchService(noDeps, options).operationNames,
  },
];

/** The X-Amz-Target of an operation, e.g. SageMaker.CreateModel. */
export function targetOf(api: ServedApi, operation: string): string {
  return `${api.model.metadata.targetPrefix}.${operation}`;
}

/** Operations that only read; a refused or accepted one must leave the stored state as it was. */
export function isReadOnly(operation: string): boolean {
  return /^(Describe|List|Get)/.test(operation);
}
