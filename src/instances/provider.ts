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
  launch(request: LaunchRequest): Promise<LaunchedInstance>;
  terminate(instanceId: string): Promise<void>;
}
