import { isImageReference, refusedVariables, unpassableVariable } from "../domain/copy-launch-rules.js";
import { copyLaunchErrors } from "../domain/errors/copies.js";
import type { ControlDeps } from "./deps.js";

/**
 * Refuses, at create time, what a copy could not safely or possibly be started with: an image that is
 * not an image reference, a variable the OS cannot pass, or a loader/interpreter variable for an image
 * that runs as a process on the host (a container keeps such variables to itself).
 */
export function checkCopyLaunch(deps: Pick<ControlDeps, "runsInContainer">, where: string, image: string | undefined, environment: unknown): void {
  if (image !== undefined && !isImageReference(image)) throw copyLaunchErrors.invalidImage(where, image);
  if (environment === undefined || environment === null || typeof environment !== "object") return;
  const variables = environment as Record<string, string>;
  const unpassable = unpassableVariable(variables);
  if (unpassable !== undefined) throw copyLaunchErrors.unpassableEnvironment(where, unpassable);
  if (image === undefined || deps.runsInContainer(image)) return;
  const refused = refusedVariables(variables);
  if (refused.length > 0) throw copyLaunchErrors.refusedEnvironment(where, image, refused);
}
