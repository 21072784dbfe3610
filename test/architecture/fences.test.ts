import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";
import { checkRules, folderCycles, missingFiles, readSource } from "./fence.js";
import { rules } from "./rules.js";

// Tests run from dist/; the fence reads the TypeScript sources in the repository.
const root = fileURLToPath(new URL("../../../", import.meta.url));

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (name.endsWith(".ts")) out.push(relative(root, path).split(sep).join("/"));
  }
  return out;
}

const tree = sources(join(root, "src")).map((path) => readSource(path, readFileSync(join(root, path), "utf8")));

const messages = (violations: { message: string }[]) => violations.map((v) => v.message).join("\n");

describe("the source tree keeps the architecture's folder rules", () => {
  it("reads the whole tree", () => {
    assert.ok(tree.length > 200, `expected the sources under src/, found ${tree.length} files`);
    assert.ok(
      tree.some((facts) => facts.imports.length > 0),
      "no imports were read",
    );
  });

  it("every relative import names a source file, so no rule is blind to it", () => {
    const missing = missingFiles(tree, (path) => existsSync(join(root, path)));
    assert.equal(missing.length, 0, messages(missing));
  });

  for (const rule of rules) {
    it(rule.name, () => {
      const violations = checkRules(tree, [rule]);
      assert.equal(violations.length, 0, messages(violations));
    });
  }

  it("no folders import each other (a folder is the first directory under src/)", () => {
    const cycles = folderCycles(tree);
    assert.equal(cycles.length, 0, messages(cycles));
  });
});
