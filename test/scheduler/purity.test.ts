import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { fileURLToPath } from "node:url";

/** The scheduler is pure: no node:* module, no store, no clock, no randomness (habit 4). */

const root = fileURLToPath(new URL("../../../src/scheduler/", import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const forbidden: [RegExp, string][] = [
  [/from\s+["']node:/, "a node:* import"],
  [/from\s+["'](fs|path|os|crypto|child_process|worker_threads)["']/, "a Node built-in import"],
  [/from\s+["'][./]*\/(store|util|control|api)\//, "an import of the store, clock or control plane"],
  [/Date\.now|new Date\(/, "the wall clock"],
  [/Math\.random/, "unseeded randomness"],
  [/performance\.now|process\./, "the process environment"],
];

describe("scheduler purity", () => {
  it("finds the scheduler sources", () => {
    assert.ok(sources(root).length >= 5, `expected sources under ${root}`);
  });

  for (const file of sources(root)) {
    it(`${file.slice(root.length)} uses nothing outside plain data`, () => {
      const text = readFileSync(file, "utf8");
      for (const [pattern, what] of forbidden) assert.doesNotMatch(text, pattern, `${file} uses ${what}`);
    });
  }
});
