#!/usr/bin/env node
// Runs the compiled test suite with node's own runner. Files run a few at a time: most of their time
// is spent waiting on real server processes, not on the CPU. A file whose tests have all finished exits even
// if a failed test left a server running (the harness then kills it), instead of hanging the run.
import { spawn } from "node:child_process";

const concurrency = process.env.BERTH_TEST_CONCURRENCY ?? "3";
const paths = process.argv.slice(2).length > 0 ? process.argv.slice(2) : ["dist/test/"];
const child = spawn(process.execPath, ["--test", `--test-concurrency=${concurrency}`, "--test-force-exit", ...paths], {
  stdio: "inherit",
  env: { ...process.env, AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: "true" },
});
child.on("exit", (code, signal) => process.exit(signal ? 1 : (code ?? 1)));
