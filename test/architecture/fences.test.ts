import assert from "node:assert/strict";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const root = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts")) out.push(path);
  }
  return out;
}

function imports(file: string): string[] {
  const text = readFileSync(file, "utf8");
  return [...text.matchAll(/^\s*(?:import|export)[^'"]*from\s+["']([^"']+)["']/gm)].map((m) => m[1]!);
}

/** Folders whose code decides, and so must stay a pure function of its inputs. */
const pure = [
  "src/scheduler",
  "src/domain",
  "src/autoscaling",
  "src/rollout",
  "src/controllers/endpoint/plan-rollouts.ts",
  "src/controllers/endpoint/plan-managed-scaling.ts",
  "src/controllers/endpoint/decide.ts",
  "src/controllers/endpoint/plan-copies.ts",
  "src/controllers/endpoint/plan-instances.ts",
  "src/controllers/endpoint/plan-status.ts",
  "src/controllers/endpoint/world.ts",
];

describe("architecture fences", () => {
  for (const target of pure) {
    it(`${target} imports no node built-in, store, agent, router or api code and reads no clock`, () => {
      const path = join(root, target);
      const files = statSync(path).isDirectory() ? sources(path) : [path];
      for (const file of files) {
        const rel = relative(root, file);
        for (const spec of imports(file)) {
          assert.ok(!spec.startsWith("node:"), `${rel} imports ${spec}`);
          assert.ok(!/\/(store|agent|router|api|server|cli)\//.test(spec), `${rel} imports ${spec}`);
        }
        const text = readFileSync(file, "utf8");
        assert.ok(!/Date\.now\(|new Date\(\)|Math\.random\(/.test(text), `${rel} reads the clock or an unseeded random source`);
      }
    });
  }

  it("keeps wire protocols (src/api) free of store writes: they call control-plane operations", () => {
    for (const file of sources(join(root, "src/api"))) {
      const text = readFileSync(file, "utf8");
      assert.ok(!/\.commit\(/.test(text), `${relative(root, file)} writes to the store directly`);
    }
  });
});
