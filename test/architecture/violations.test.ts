import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { checkRules, folderCycles, readSource } from "./fence.js";
import { rules } from "./rules.js";

/** Every violation the fence finds in a small tree of source texts. */
function violationsIn(files: Record<string, string>): string[] {
  const facts = Object.entries(files).map(([path, text]) => readSource(path, text));
  return [...checkRules(facts, rules), ...folderCycles(facts)].map((v) => v.message);
}

interface Case {
  kind: string;
  files: Record<string, string>;
  /** What the message must say: the file and line, and what was wrong. */
  expect: RegExp;
}

const decision = "src/scheduler/pack.ts";

const cases: Case[] = [
  {
    kind: "side-effect import of the store",
    files: { [decision]: `import "../store/store.js";\nexport const x = 1;` },
    expect: /^src\/scheduler\/pack\.ts:1: decision code is pure: side-effect import "\.\.\/store\/store\.js" reaches src\/store\/store\.ts/,
  },
  {
    kind: "dynamic import()",
    files: {
      "src/rollout/decide.ts": `export async function f() {\n  const { StorageFaultError } = await import("../store/storage-fault.js");\n  return StorageFaultError;\n}`,
    },
    expect: /^src\/rollout\/decide\.ts:2: .*dynamic import\(\) "\.\.\/store\/storage-fault\.js" reaches src\/store\/storage-fault\.ts/,
  },
  {
    kind: "dynamic import() of a computed name",
    files: { [decision]: `export async function f(name: string) {\n  return import(name);\n}` },
    expect: /^src\/scheduler\/pack\.ts:2: .*import\(name\) imports a computed name that no rule can check/,
  },
  {
    kind: 'bare "fs"',
    files: { "src/domain/quotas.ts": `import { readFileSync } from "fs";\nexport const read = () => readFileSync("/etc/hostname");` },
    expect: /^src\/domain\/quotas\.ts:1: .*import "fs" reaches the Node built-in "fs"/,
  },
  {
    kind: '"node:" built-in',
    files: { "src/autoscaling/decision.ts": `import { randomUUID } from "node:crypto";\nexport const id = () => randomUUID();` },
    expect: /^src\/autoscaling\/decision\.ts:1: .*reaches the Node built-in "crypto"/,
  },
  {
    kind: 'require("child_process")',
    files: { [decision]: `const { execSync } = require("child_process");\nexport const run = () => execSync("true");` },
    expect: /^src\/scheduler\/pack\.ts:1: .*require\(\) "child_process" reaches the Node built-in "child_process"/,
  },
  {
    kind: 'import x = require("fs")',
    files: { [decision]: `import fs = require("fs");\nexport const read = () => fs.readFileSync("/etc/hostname");` },
    expect: /^src\/scheduler\/pack\.ts:1: .*import = require\(\) "fs" reaches the Node built-in "fs"/,
  },
  {
    kind: "aliased Date.now",
    files: { [decision]: `const now = Date.now;\nexport const stamp = () => now();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global Date; take it as an input instead/,
  },
  {
    kind: "new Date()",
    files: { [decision]: `export const today = () => new Date().getDay();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global Date/,
  },
  {
    kind: "globalThis.Date",
    files: { [decision]: `export const stamp = () =>\n  globalThis.Date.now();` },
    expect: /^src\/scheduler\/pack\.ts:2: .*uses the global globalThis\.Date/,
  },
  {
    kind: "Math.random () with a space",
    files: { [decision]: `export const pick = <T>(xs: T[]) =>\n  xs[Math.floor(Math.random () * xs.length)];` },
    expect: /^src\/scheduler\/pack\.ts:2: .*uses the global Math\.random/,
  },
  {
    kind: "aliased Math.random",
    files: { [decision]: `const { random } = Math;\nexport const coin = () => random() < 0.5;` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global Math\.random/,
  },
  {
    kind: "crypto.randomUUID (ids are injected)",
    files: { [decision]: `export const id = () => crypto.randomUUID();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global crypto/,
  },
  ...["setTimeout(f, 10)", "setInterval(f, 10)", "setImmediate(f)", "queueMicrotask(f)"].map((call) => ({
    kind: `timer ${call.split("(")[0]}`,
    files: { [decision]: `export function later(f: () => void) {\n  ${call};\n}` },
    expect: new RegExp(`^src/scheduler/pack\\.ts:2: .*uses the global ${call.split("(")[0]}`),
  })),
  {
    kind: "process",
    files: { "src/alarms/evaluate.ts": `export const level = () => process.env.LEVEL;` },
    expect: /^src\/alarms\/evaluate\.ts:1: .*uses the global process/,
  },
  {
    kind: "performance.now()",
    files: { [decision]: `export const t = () => performance.now();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global performance/,
  },
  {
    kind: "Intl (formats now, in the host's time zone)",
    files: { [decision]: `export const today = () => new Intl.DateTimeFormat("en-GB").format();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*uses the global Intl/,
  },
  {
    kind: "the simulator importing a computed name",
    files: { "src/sim/simulate.ts": `export const load = (part: string) => import(\`../\${part}/service.js\`);` },
    expect: /^src\/sim\/simulate\.ts:1: the simulator runs without a server: import\(`\.\.\/\$\{part\}\/service\.js`\) imports a computed name/,
  },
  {
    kind: "decision code importing an I/O folder",
    files: { "src/autoscaling/decision.ts": `import { Agent } from "../agent/agent.js";\nexport type A = Agent;` },
    expect: /^src\/autoscaling\/decision\.ts:1: decision code is pure: import "\.\.\/agent\/agent\.js" reaches src\/agent\/agent\.ts/,
  },
  {
    kind: "a controller's plan file importing the controller that executes it",
    files: { "src/controllers/endpoint/plan-copies.ts": `import { EndpointController } from "./controller.js";\nexport type C = EndpointController;` },
    expect: /^src\/controllers\/endpoint\/plan-copies\.ts:1: .*reaches src\/controllers\/endpoint\/controller\.ts/,
  },
  {
    kind: "type-only import of the store into decision code",
    files: { "src/rollout/types.ts": `import type { BerthStore } from "../state/records.js";\nexport type S = BerthStore;` },
    expect: /^src\/rollout\/types\.ts:1: .*import type "\.\.\/state\/records\.js" reaches src\/state\/records\.ts/,
  },
  {
    kind: "import type() in a type position",
    files: { "src/domain/compute.ts": `export type S = import("../store/store.js").Store<{}>;` },
    expect: /^src\/domain\/compute\.ts:1: .*import type\(\) "\.\.\/store\/store\.js" reaches src\/store\/store\.ts/,
  },
  {
    kind: "export ... from the store",
    files: { "src/domain/compute.ts": `export { type Store } from "../store/store.js";` },
    expect: /^src\/domain\/compute\.ts:1: .*export from "\.\.\/store\/store\.js"/,
  },
  {
    kind: "decision code importing a package",
    files: { [decision]: `import { pino } from "pino";\nexport const log = pino();` },
    expect: /^src\/scheduler\/pack\.ts:1: .*reaches the package "pino"/,
  },
  {
    kind: "the router importing the store",
    files: { "src/router/table.ts": `import { type BerthStore } from "../state/records.js";\nexport type S = BerthStore;` },
    expect: /^src\/router\/table\.ts:1: the router reads no records: import "\.\.\/state\/records\.js" reaches src\/state\/records\.ts/,
  },
  {
    kind: "the simulator importing the API",
    files: { "src/sim/simulate.ts": `import { sagemakerService } from "../api/sagemaker/service.js";\nexport const s = sagemakerService;` },
    expect:
      /^src\/sim\/simulate\.ts:1: the simulator runs without a server: import "\.\.\/api\/sagemaker\/service\.js" reaches src\/api\/sagemaker\/service\.ts/,
  },
  {
    kind: "a wire protocol writing the store",
    files: {
      "src/api/berth/placement-route.ts": `export async function f(store: { commit(ops: unknown[]): Promise<number> }) {\n  await store.commit([]);\n}`,
    },
    expect: /^src\/api\/berth\/placement-route\.ts:2: wire protocols do not write: calls \.commit\(\), which writes the store/,
  },
  {
    kind: "the generic store importing the state module",
    files: { "src/store/store.ts": `import type { Kind } from "../state/records.js";\nexport type K = Kind;` },
    expect: /^src\/store\/store\.ts:1: the store is generic: import type "\.\.\/state\/records\.js"/,
  },
  {
    kind: "a cycle between folders",
    files: {
      "src/domain/resources.ts": `import type { RolloutState } from "../rollout/types.js";\nexport interface C { rollout?: RolloutState }`,
      "src/rollout/types.ts": `import type { C } from "../domain/resources.js";\nexport interface RolloutState { component: C }`,
    },
    expect:
      /^folders domain, rollout import each other:\n {2}domain → rollout: src\/domain\/resources\.ts:1 imports src\/rollout\/types\.ts\n {2}rollout → domain: src\/rollout\/types\.ts:1 imports src\/domain\/resources\.ts/,
  },
  {
    kind: "a cycle through three folders",
    files: {
      "src/metrics/store-sources.ts": `import type { BerthStore } from "../state/records.js";\nexport type S = BerthStore;`,
      "src/state/records.ts": `import type { AlarmRecord } from "../alarms/types.js";\nexport type R = AlarmRecord;`,
      "src/alarms/types.ts": `import type { Dimension } from "../metrics/types.js";\nexport interface AlarmRecord { d: Dimension }`,
      "src/metrics/types.ts": `export interface Dimension { Name: string }`,
    },
    expect: /^folders alarms, metrics, state import each other/,
  },
];

describe("the fence catches each kind of violation", () => {
  for (const { kind, files, expect } of cases) {
    it(kind, () => {
      const found = violationsIn(files);
      assert.ok(
        found.some((message) => expect.test(message)),
        `expected a violation matching ${expect}, found:\n${found.join("\n") || "(none)"}`,
      );
    });
  }

  it("passes pure decision code: times and ids as inputs, Date only as a type, names that merely resemble globals", () => {
    const found = violationsIn({
      "src/scheduler/pack.ts": [
        `import type { Resources } from "../domain/compute.js";`,
        `import { metricResolutionSeconds } from "../util/time-scale.js";`,
        `export interface Input { now: number; at?: Date; newId: () => string; random: () => number }`,
        `export function decide(input: Input, r: Resources) {`,
        `  const timer = { setTimeout: input.now + metricResolutionSeconds };`,
        `  return { id: input.newId(), roll: input.random(), big: Math.max(r.cpuMillis, 0), Date: timer.setTimeout };`,
        `}`,
      ].join("\n"),
      "src/domain/compute.ts": `export interface Resources { cpuMillis: number }`,
    });
    assert.deepEqual(found, []);
  });

  it("passes the router importing the routing table it is pushed, and the simulator importing the scheduler", () => {
    const found = violationsIn({
      "src/router/router.ts": `import { buildRoutingTable } from "./table.js";\nexport const b = buildRoutingTable;`,
      "src/sim/engine/engine.ts": `import { place } from "../../scheduler/place.js";\nexport const p = place;`,
    });
    assert.deepEqual(found, []);
  });
});
