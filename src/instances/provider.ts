import type { InstanceTypeSpec } from "../domain/catalog/instance-type.js";
import type { Resources } from "../domain/compute.js";
import type { DeviceInfo } from "../domain/resources.js";

export interface LaunchRequest {
  instanceId: string;
  endpointName: string;
  variantName: string;
  instanceType: InstanceTypeSpec;
  capacity: Resources;
}

export interface LaunchedInstance {
  /** Which agent's machine runs the instance's copies. */
  host: string;
  devices: DeviceInfo[];
}

/**
 * Where instances come from. The local provider carves them out of this machine; providers backed by
 * agents registering real machines, or by a cloud API, implement the same two calls.
 */
export interface InstanceProvider {
  readonly name: string;
  /** Launching an instance that is already launched returns it again (a pass may repeat after a conflict). */
  launch(request: LaunchRequest): Promise<LaunchedInstance>;
  terminate(instanceId: string): Promise<void>;
  /** Gives back whatever the provider holds for instances that no longer exist (called when the controllers start). */
  releaseOrphans?(instanceIds: ReadonlySet<string>): Promise<void>;
}

/**
 * No instance can be had now, but one may later (a pool with none free): the instance stays Pending with
 * this message and the launch is tried again when the pool changes. Not a failure of the endpoint.
 */
export class InstanceUnavailableError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "InstanceUnavailableError";
  }

  static is(value: unknown): value is InstanceUnavailableError {
    return value instanceof Error && value.name === "InstanceUnavailableError";
  }
}
