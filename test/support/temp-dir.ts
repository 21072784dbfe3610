import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const made: string[] = [];

process.once("exit", () => {
  for (const dir of made) {
    // A Berth server keeps its copies' files in a sibling of its data dir (<dataDir>-copies).
    for (const path of [dir, `${dir}-copies`]) {
      try {
        rmSync(path, { recursive: true, force: true });
      } catch {
        // Files a copy wrote as another user, left for the system's temporary-file cleanup.
      }
    }
  }
});

/** A new directory under the system temporary directory, removed with everything in it when the test file's process exits. */
export function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  made.push(dir);
  return dir;
}
