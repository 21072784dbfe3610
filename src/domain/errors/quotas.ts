import { BerthError } from "./berth-error.js";

const instanceSetting = "quotas.maxInstancesPerEndpoint";
const copySetting = "quotas.maxCopiesPerComponent";

const limitUnit = (kind: "component" | "variant") => (kind === "component" ? "copies per inference component" : "instances per endpoint");
const settingOf = (kind: "component" | "variant") => (kind === "component" ? copySetting : instanceSetting);
const raise = (setting: string) => `Ask for at most that many, or raise ${setting} in the server config and restart the server.`;

/** Over-quota answers: SageMaker's ResourceLimitExceeded and Application Auto Scaling's LimitExceededException, both 400. */
export const quotaErrors = {
  instancesPerEndpoint: (what: string, requested: number, limit: number) =>
    new BerthError({
      code: "ResourceLimitExceeded",
      httpStatus: 400,
      message: `The account-level service limit 'Maximum number of instances per endpoint' is ${limit} Instances, and the request asks for ${requested} Instances (${what}). ${raise(instanceSetting)}`,
    }),
  copiesPerComponent: (what: string, requested: number, limit: number) =>
    new BerthError({
      code: "ResourceLimitExceeded",
      httpStatus: 400,
      message: `The account-level service limit 'Maximum number of copies per inference component' is ${limit} Copies, and the request asks for ${requested} Copies (${what}). ${raise(copySetting)}`,
    }),
  scalableCapacity: (field: string, resourceId: string, requested: number, limit: number, kind: "component" | "variant") =>
    new BerthError({
      code: "LimitExceededException",
      httpStatus: 400,
      message: `${field} ${requested} for ${resourceId} exceeds the limit of ${limit} ${limitUnit(kind)}. ` + raise(settingOf(kind)),
    }),
};

/** FailureReason texts for records stored before the limits they now break (an older Berth, or a lowered quota). */
export const quotaFailures = {
  endpoint: (endpoint: string, requested: number, limit: number) =>
    `Endpoint '${endpoint}' asks for ${requested} instances, more than quotas.maxInstancesPerEndpoint (${limit}), so Berth does not create its instances. ` +
    `Delete the endpoint and create it again with at most ${limit} instances, or raise quotas.maxInstancesPerEndpoint and restart the server (the endpoint then resumes).`,
  component: (component: string, requested: number, limit: number) =>
    `Inference component '${component}' asks for ${requested} copies, more than quotas.maxCopiesPerComponent (${limit}), so Berth places no more of its copies. ` +
    `Set a copy count of at most ${limit} with UpdateInferenceComponentRuntimeConfig, or raise quotas.maxCopiesPerComponent and restart the server.`,
  scheduledAction: (requested: number, limit: number, kind: "component" | "variant") =>
    `${requested} is more than the limit of ${limit} ${limitUnit(kind)}. ` +
    `Put the scheduled action again with capacities of at most ${limit}, or raise ${settingOf(kind)} and restart the server.`,
};
