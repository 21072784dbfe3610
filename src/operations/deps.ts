import type { ArtifactUrlPolicy } from "../artifacts/settings.js";
import type { Account } from "../domain/arn.js";
import type { InstanceCatalog } from "../domain/catalog/instance-catalog.js";
import type { CapacityOptions } from "../domain/compute.js";
import type { Quotas } from "../domain/quotas.js";
import { type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import type { TimeScale } from "../util/time-scale.js";

/** What the control-plane operations need; the composition root builds it once. */
export interface ControlDeps {
  store: BerthStore;
  account: Account;
  catalog: InstanceCatalog;
  clock: Clock;
  capacity: CapacityOptions;
  /** Maps the rollout wait and timeout (API seconds) to real time, like every scaling duration. */
  scale: TimeScale;
  /** Where model artifacts may come from; URLs are checked against it when a model or component is created. */
  artifacts: ArtifactUrlPolicy;
  /** True when an image's copies run inside a container (docker/podman), not as a process on the host. */
  runsInContainer: (image: string) => boolean;
  quotas: Quotas;
}
