export interface AcceleratorSpec {
  vendor: string;
  model: string;
  count: number;
  memoryPerDeviceGiB: number;
}

export interface InstanceTypeSpec {
  instanceType: string;
  family: string;
  accelerator: AcceleratorSpec | null;
  vcpus: number;
  memoryGiB: number;
  /** USD per instance-hour; null when no price is known. */
  pricePerHour: number | null;
  priceStatus: string;
}
