import * as components from "../../operations/components.js";
import type { ControlDeps } from "../../operations/deps.js";
import * as endpointConfigs from "../../operations/endpoint-configs.js";
import * as endpoints from "../../operations/endpoints.js";
import * as models from "../../operations/models.js";
import * as tags from "../../operations/tags.js";
import { sageMakerErrors } from "../../domain/errors/sagemaker.js";
import { JsonService, type JsonOperation } from "../awsjson/service.js";
import { sagemakerModel } from "../shapes/sagemaker.generated.js";
import type { ShapeDeviations } from "../shapes/validate.js";

/**
 * Where Berth accepts more than the service model: model artifacts may be local (file:// URLs or
 * absolute paths) or plain http, since Berth runs where S3 may not be reachable. Any text passes the
 * shape; the artifact URL policy (src/artifacts/url-policy.ts) then refuses what it must, saying why.
 */
export const sageMakerDeviations: ShapeDeviations = {
  Url: { pattern: "[\\s\\S]*" },
};

export function sageMakerService(deps: ControlDeps, options: { maxBodyBytes: number }): JsonService {
  const operations: Record<string, JsonOperation> = {
    CreateModel: (input) => models.createModel(deps, input),
    DescribeModel: (input) => models.describeModel(deps, input),
    ListModels: (input) => models.listModels(deps, input),
    DeleteModel: (input) => models.deleteModel(deps, input),
    CreateEndpointConfig: (input) => endpointConfigs.createEndpointConfig(deps, input),
    DescribeEndpointConfig: (input) => endpointConfigs.describeEndpointConfig(deps, input),
    ListEndpointConfigs: (input) => endpointConfigs.listEndpointConfigs(deps, input),
    DeleteEndpointConfig: (input) => endpointConfigs.deleteEndpointConfig(deps, input),
    CreateEndpoint: (input) => endpoints.createEndpoint(deps, input),
    DescribeEndpoint: (input) => endpoints.describeEndpoint(deps, input),
    ListEndpoints: (input) => endpoints.listEndpoints(deps, input),
    UpdateEndpoint: (input) => endpoints.updateEndpoint(deps, input),
    DeleteEndpoint: (input) => endpoints.deleteEndpoint(deps, input),
    UpdateEndpointWeightsAndCapacities: (input) => endpoints.updateEndpointWeightsAndCapacities(deps, input),
    CreateInferenceComponent: (input) => components.createInferenceComponent(deps, input),
    DescribeInferenceComponent: (input) => components.describeInferenceComponent(deps, input),
    ListInferenceComponents: (input) => components.listInferenceComponents(deps, input),
    UpdateInferenceComponent: (input) => components.updateInferenceComponent(deps, input),
    UpdateInferenceComponentRuntimeConfig: (input) => components.updateInferenceComponentRuntimeConfig(deps, input),
    DeleteInferenceComponent: (input) => components.deleteInferenceComponent(deps, input),
    AddTags: (input) => tags.addTags(deps, input),
    ListTags: (input) => tags.listTags(deps, input),
    DeleteTags: (input) => tags.deleteTags(deps, input),
  };
  return new JsonService({
    model: sagemakerModel,
    operations,
    scope: {
      service: "SageMaker",
      serves: "Berth implements SageMaker hosting only (models, endpoint configurations, endpoints, inference components, tags)",
    },
    contentType: "application/x-amz-json-1.1",
    validationError: sageMakerErrors.fieldValidation,
    deviations: sageMakerDeviations,
    maxBodyBytes: options.maxBodyBytes,
  });
}
