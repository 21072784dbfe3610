import { BerthError } from "./berth-error.js";

const validation = (message: string) => new BerthError({ code: "ValidationException", httpStatus: 400, message });

/** Refusals of what a model copy would be started with (SageMaker ValidationException). */
export const copyLaunchErrors = {
  refusedEnvironment: (where: string, image: string, names: string[]) =>
    validation(
      `${where} sets environment variable${names.length === 1 ? "" : "s"} ${names.join(", ")}, which Berth refuses for image '${image}': ` +
        `it runs as a process on the host, where these variables make the loader or interpreter run other code. ` +
        `Remove ${names.length === 1 ? "it" : "them"}, or run the model from a container image (see README, "Security").`,
    ),
  unpassableEnvironment: (where: string, name: string) =>
    validation(
      `${where} sets environment variable '${name.replace(/\0/g, "\\0")}' to a value the operating system cannot pass to a process (it holds a NUL byte, or the name holds '='). ` +
        `Remove the NUL byte from the value.`,
    ),
  invalidImage: (where: string, image: string) =>
    validation(
      `${where} names image '${image.replace(/[\0-\x1f\x7f]/g, "?").slice(0, 300)}', which is not a container image reference. ` +
        `Use a name such as 'registry.example.com/team/model:1.0' (lowercase path, optional :tag and @sha256:digest; no leading '-', spaces or control characters).`,
    ),
};
