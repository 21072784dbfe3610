import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CopyLogs } from "../../src/agent/copy-logs.js";

describe("copies' logs kept for berth logs", () => {
  it("keeps 2,048 characters of a line written without newlines, for readers and followers alike", () => {
    const logs = new CopyLogs();
    const followed: string[] = [];
    logs.follow("chatty", undefined, (line) => followed.push(line.text));
    logs.append("chatty", { time: 1, copy: "chatty-1", stream: "stdout", text: "x".repeat(1_000_000) });
    const [kept] = logs.read("chatty", { tail: 10 });
    assert.equal(kept!.text, `${"x".repeat(2048)}… (cut at 2048 characters)`);
    assert.deepEqual(followed, [kept!.text]);
  });

  it("keeps the newest lines of each copy and the most recently written copies", () => {
    const logs = new CopyLogs({ linesPerCopy: 2, copies: 1, lineChars: 100 });
    for (const text of ["one", "two", "three"]) logs.append("c", { time: 1, copy: "c-1", stream: "stdout", text });
    assert.deepEqual(
      logs.read("c", { tail: 10 }).map((l) => l.text),
      ["two", "three"],
    );
    logs.append("c", { time: 2, copy: "c-2", stream: "stderr", text: "other copy" });
    assert.deepEqual(
      logs.read("c", { tail: 10 }).map((l) => l.copy),
      ["c-2"],
    );
  });
});
