import { runtimeErrors } from "../../domain/errors/runtime.js";
import { sagemakerRuntimeModel } from "../shapes/sagemaker-runtime.generated.js";
import { ShapeValidator } from "../shapes/validate.js";

const validator = new ShapeValidator(sagemakerRuntimeModel);
/** The header's shape as the service model states it (1–64 printable characters, not starting with a space). */
const shape = sagemakerRuntimeModel.shapes.InvokeEndpointInput!.members!.PrefixAwareId!.shape;

/** X-Amzn-SageMaker-Prefix-Aware-Id, checked against the generated shape; undefined when absent. */
export function prefixAwareIdOf(header: string | undefined): string | undefined {
  if (header === undefined) return undefined;
  const { violations } = validator.validate(shape, header, "prefixAwareId");
  if (violations.length > 0) throw runtimeErrors.shapeViolations(violations);
  return header;
}
