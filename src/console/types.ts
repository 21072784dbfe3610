import type { PlacementViewInstance } from "../operations/placement-view.js";

/** What the console's page receives: shared by the server (src/console) and the page (console/). */

export interface ConsoleEndpoint {
  name: string;
  status: string;
  failureReason?: string;
  createdAt: number;
}

export interface ConsoleRollout {
  kind: "rolling" | "blue-green";
  phase: string;
  startedAt: number;
  batchSize: number;
  /** Copies of the new and the old specification wanted now, and those ready. */
  targetNew: number;
  targetOld: number;
  readyNew: number;
  readyOld: number;
  rollbackReason?: string;
}

export interface ConsoleComponent {
  name: string;
  endpointName: string;
  variantName: string;
  status: string;
  failureReason?: string;
  desiredCopies: number;
  currentCopies: number;
  image: string;
  modelName?: string;
  rollout?: ConsoleRollout;
}

export interface ConsoleActivity {
  activityId: string;
  resourceId: string;
  description: string;
  cause: string;
  statusCode: string;
  statusMessage?: string;
  startTime: number;
  endTime?: number;
}

export interface ConsoleSnapshot {
  /** Server time the snapshot was read, epoch ms. */
  at: number;
  endpoints: ConsoleEndpoint[];
  components: ConsoleComponent[];
  instances: PlacementViewInstance[];
  /** The latest scaling activities, newest first. */
  activities: ConsoleActivity[];
}

export interface ConsoleSeries {
  component: string;
  /** Bucket starts, epoch ms, and one value (or null: no data) per bucket in each series. */
  times: number[];
  invocations: (number | null)[];
  errors: (number | null)[];
  latencyP50Ms: (number | null)[];
  latencyP99Ms: (number | null)[];
  desiredCopies: (number | null)[];
  currentCopies: (number | null)[];
  activities: ConsoleActivity[];
}

export interface ConsoleWhoAmI {
  /** False when the server runs with --insecure-no-auth: no login needed. */
  authentication: boolean;
  accessKeyId?: string;
  loggedIn: boolean;
  region: string;
}
