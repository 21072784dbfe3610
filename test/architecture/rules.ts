// The folder rules of Berth, written once. test/architecture/fences.test.ts holds the source tree to them;
// test/architecture/violations.test.ts shows that each kind of violation is caught.
import type { FileSet, FolderRule } from "./fence.js";

/** Decisions (placement, scaling, rollout, alarm evaluation) and the records they decide on. */
export const decisionCode: FileSet = [
  "src/scheduler/",
  "src/autoscaling/",
  "src/rollout/",
  "src/domain/",
  "src/alarms/",
  // A controller decides in its plan-*, decide and world files; its other files carry the decision out.
  /^src\/controllers\/[^/]+\/(plan-[^/]+|decide|world)\.ts$/,
];

/** Pure code outside those folders that decision code builds on: metric arithmetic, the scaling time scale. */
export const pureHelpers: FileSet = [
  "src/metrics/types.ts",
  "src/metrics/metric-data.ts",
  "src/metrics/expression.ts",
  "src/metrics/resolution.ts",
  "src/metrics/aggregate.ts",
  "src/util/time-scale.ts",
];

export const rules: FolderRule[] = [
  {
    name: "decision code is pure",
    files: [...decisionCode, ...pureHelpers],
    mayImportOnly: [...decisionCode, ...pureHelpers],
    mayNotImportBuiltins: true,
    packages: [],
    mayNotUseAmbient: true,
    why: "a decision is a pure function of (desired, observed, now): time, randomness and I/O come in as arguments, and decision code imports only decision code and the pure helpers listed in test/architecture/rules.ts",
  },
  {
    name: "the router reads no records",
    files: ["src/router/"],
    mayNotImport: ["src/store/", "src/state/", "src/operations/"],
    why: "the routing table is built from the records outside the router and pushed to it, by src/server/routing-table-publisher.ts",
  },
  {
    name: "the simulator runs without a server",
    files: ["src/sim/"],
    mayNotImport: ["src/api/", "src/store/", "src/state/", "src/operations/", "src/server/"],
    why: "the simulator replays traces through the same decision code in virtual time, with no API, store or server",
  },
  {
    name: "wire protocols do not write",
    files: ["src/api/"],
    mayNotCall: [{ method: "commit", means: "writes the store" }],
    why: "src/api only translates the wire protocols; the API operations in src/operations check and write",
  },
  {
    name: "container engines know no records",
    files: ["src/containers/"],
    mayNotImport: ["src/store/", "src/state/", "src/operations/", "src/agent/"],
    why: "the node agent hands src/containers a copy's run context; the engine code only turns it into docker/podman commands",
  },
  {
    name: "the store is generic",
    files: ["src/store/"],
    mayImportOnly: ["src/store/", "src/domain/errors/", "src/util/"],
    why: "src/store knows no Berth records; the state module (src/state) types it by kind and owns the keys",
  },
];
