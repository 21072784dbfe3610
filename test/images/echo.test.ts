import { randomBytes } from "node:crypto";
import { readFileSync } from "node:fs";
import { after, before, describe, test } from "node:test";
import { startServer, type ServerUnderTest } from "./harness.js";
import { postForChunks, postReceived } from "./http-chunks.js";

describe("berth/echo", () => {
  let echo: ServerUnderTest;
  before(async () => {
    echo = await startServer("echo");
  });
  after(async () => {
    await echo.stop();
  });

  test("answers with the request body byte for byte, its Content-Type and the copy id", async (t) => {
    t.plan(4);
    const body = randomBytes(4096);
    const res = await fetch(echo.url("/invocations"), { method: "POST", body, headers: { "Content-Type": "image/x-test" } });
    t.assert.equal(res.status, 200);
    t.assert.equal(res.headers.get("content-type"), "image/x-test");
    t.assert.equal(res.headers.get("x-amzn-sagemaker-custom-attributes"), "copy=echo-test");
    t.assert.deepEqual(Buffer.from(await res.arrayBuffer()), body);
  });

  test("defaults the Content-Type to application/octet-stream", async (t) => {
    t.plan(2);
    const res = await fetch(echo.url("/invocations"), { method: "POST", body: new Uint8Array([1, 2, 3]) });
    t.assert.equal(res.headers.get("content-type"), "application/octet-stream");
    t.assert.deepEqual(new Uint8Array(await res.arrayBuffer()), new Uint8Array([1, 2, 3]));
  });

  test("CustomAttributes status=500 answers 500 with a JSON error", async (t) => {
    t.plan(3);
    const res = await fetch(echo.url("/invocations"), {
      method: "POST",
      body: "x",
      headers: { "X-Amzn-SageMaker-Custom-Attributes": "trace=1;status=500" },
    });
    t.assert.equal(res.status, 500);
    t.assert.equal(res.headers.get("content-type"), "application/json");
    t.assert.match(((await res.json()) as { error: string }).error, /status 500/);
  });

  test("CustomAttributes latency_ms delays the answer", async (t) => {
    t.plan(2);
    const started = performance.now();
    const res = await fetch(echo.url("/invocations"), {
      method: "POST",
      body: "slow",
      headers: { "X-Amzn-SageMaker-Custom-Attributes": "latency_ms=200" },
    });
    t.assert.equal(await res.text(), "slow");
    t.assert.equal(performance.now() - started >= 195, true, `answered after ${performance.now() - started} ms`);
  });

  test("a client that hangs up during the latency gets its work dropped", async (t) => {
    t.plan(1);
    const post = postReceived(echo.url("/invocations"), { body: "bye", headers: { "X-Amzn-SageMaker-Custom-Attributes": "latency_ms=5000" } });
    await post.received;
    // The ping goes out after the body is sent, so the server has read the body (and begun the latency) when it answers.
    await fetch(echo.url("/ping"));
    post.hangUp();
    t.assert.match((await echo.waitForLog(/client went away during \d+ ms latency; request dropped/))[0], /5000 ms/);
  });

  test("X-Berth-Stream: true sends the body as several flushed chunks", async (t) => {
    t.plan(4);
    const body = "0123456789abcdefghijklmnopqrstuvwxyz";
    const res = await postForChunks(echo.url("/invocations"), { body, headers: { "X-Berth-Stream": "true", "Content-Type": "text/plain" } });
    t.assert.equal(res.status, 200);
    t.assert.equal(res.headers["transfer-encoding"], "chunked");
    t.assert.equal(res.chunks.length >= 3, true, `got ${res.chunks.length} chunk(s)`);
    t.assert.equal(Buffer.concat(res.chunks).toString(), body);
  });

  test("unknown paths answer 404", async (t) => {
    t.plan(1);
    t.assert.equal((await fetch(echo.url("/nope"))).status, 404);
  });
});

describe("berth/echo configured by environment", () => {
  test("ECHO_STARTUP_MS keeps /ping at 503 until it has passed", async (t) => {
    t.plan(3);
    const started = performance.now();
    const echo = await startServer("echo", { env: { ECHO_STARTUP_MS: "600" }, waitReady: false });
    try {
      await echo.waitForLog(/listening on/);
      t.assert.equal((await fetch(echo.url("/ping"))).status, 503);
      await echo.waitForLog(/ready after 600 ms/);
      t.assert.equal((await fetch(echo.url("/ping"))).status, 200);
      t.assert.equal(performance.now() - started >= 600, true);
    } finally {
      await echo.stop();
    }
  });

  test("ECHO_FAIL_PING=true keeps /ping at 503", async (t) => {
    t.plan(1);
    const echo = await startServer("echo", { env: { ECHO_FAIL_PING: "true" }, waitReady: false });
    try {
      await echo.waitForLog(/listening on/);
      t.assert.equal((await fetch(echo.url("/ping"))).status, 503);
    } finally {
      await echo.stop();
    }
  });

  test("ECHO_MEMORY_MB shows in the process's resident memory", { skip: process.platform !== "linux" && "reads /proc" }, async (t) => {
    t.plan(1);
    const echo = await startServer("echo", { env: { ECHO_MEMORY_MB: "96" } });
    try {
      const status = readFileSync(`/proc/${echo.child.pid}/status`, "utf8");
      const rssKb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
      t.assert.equal(rssKb >= 96 * 1024, true, `VmRSS ${rssKb} kB`);
    } finally {
      await echo.stop();
    }
  });

  test("SIGTERM lets the in-flight request finish, then exits 0", async (t) => {
    t.plan(3);
    const echo = await startServer("echo");
    const post = postReceived(echo.url("/invocations"), { body: "last words", headers: { "X-Amzn-SageMaker-Custom-Attributes": "latency_ms=300" } });
    await post.received;
    const exitCode = echo.stop();
    t.assert.deepEqual(await post.answer, { status: 200, body: "last words" });
    t.assert.equal(await exitCode, 0);
    t.assert.match(echo.log(), /draining 1 in-flight/);
  });
});
