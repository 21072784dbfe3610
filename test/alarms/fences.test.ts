import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { describe, it } from "node:test";

const root = fileURLToPath(new URL("../../../", import.meta.url));

describe("alarm evaluation fence", () => {
  it("src/alarms/evaluate.ts imports nothing but types and reads no clock", () => {
    const text = readFileSync(`${root}src/alarms/evaluate.ts`, "utf8");
    const imports = [...text.matchAll(/^\s*(import|export)\s+([^;]*?)\s+from\s+["']([^"']+)["']/gm)];
    for (const [line, , clause] of imports) assert.ok(/^type\s/.test(clause!), `evaluate.ts has a value import: ${line.trim()}`);
    assert.ok(!/Date\.now\(|new Date\(\)|Math\.random\(|setTimeout|process\./.test(text), "evaluate.ts reads the clock or the process");
  });
});
