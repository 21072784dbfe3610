// A minimal model server that follows the SageMaker hosting contract, as Berth runs it in a container:
//   - started with the argument `serve`;
//   - listens on 0.0.0.0:$SAGEMAKER_BIND_TO_PORT (8080 when unset);
//   - GET /ping answers 200 while the model can serve;
//   - POST /invocations answers a request; with `Accept: application/jsonlines` (the X-Amzn-SageMaker-Accept of
//     InvokeEndpointWithResponseStream) or {"stream": N} in the body it streams N lines, one chunk each;
//   - the model data is mounted read-only at /opt/ml/model.
// It needs nothing but Node itself, so an image can hold only the node binary, its libraries and this file.
//
// The answer is JSON: {version, argv, env, modelFiles, body}. Fields of a JSON request body ask for more:
//   env: [names]          only these environment variables in the answer (default: all)
//   readModelFile: name   the file's text as modelFileText;  writeModelFile: name   try to write it (modelDirWritable)
//   delayMs: N            answer after N ms;                  stream: N              stream N lines
//   allocateMiB: N        hold N MiB more (to reach a memory limit);  failPing: true   /ping answers 500 from now on
// Environment: MODEL_VERSION (baked into the image by build.sh), FAIL_PING=1 (/ping always fails),
// FAIL_START=<message> (print it and exit with code 3 instead of serving).
"use strict";

const fs = require("node:fs");
const http = require("node:http");
const path = require("node:path");

if (process.argv[2] !== "serve") {
  console.error(`usage: server.js serve (SageMaker starts serving containers with the argument 'serve'; got ${JSON.stringify(process.argv.slice(2))})`);
  process.exit(2);
}

// A model that cannot load: it says why and exits, as a server with broken weights would.
if (process.env.FAIL_START) {
  console.error(process.env.FAIL_START);
  process.exit(3);
}

const version = process.env.MODEL_VERSION || "unversioned";
const port = Number(process.env.SAGEMAKER_BIND_TO_PORT || 8080);
const modelDir = process.env.SM_MODEL_DIR || "/opt/ml/model";
const failPingFile = "/tmp/fail-ping";
// Memory a request asked the model to hold on to (see "allocateMiB" below).
const held = [];

function modelFiles() {
  try {
    return fs.readdirSync(modelDir).sort();
  } catch {
    return [];
  }
}

function pingFails() {
  return process.env.FAIL_PING === "1" || fs.existsSync(failPingFile);
}

function selectedEnv(names) {
  if (!Array.isArray(names)) return { ...process.env };
  const out = {};
  for (const name of names) if (process.env[name] !== undefined) out[name] = process.env[name];
  return out;
}

function readBody(req) {
  return new Promise((resolve, reject) => {
    const chunks = [];
    req.on("data", (chunk) => chunks.push(chunk));
    req.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    req.on("error", reject);
  });
}

function send(res, status, json) {
  const text = JSON.stringify(json);
  res.writeHead(status, {
    "Content-Type": "application/json",
    "Content-Length": Buffer.byteLength(text),
    // Which copy answered, in the form Berth's own echo image uses.
    "X-Amzn-SageMaker-Custom-Attributes": `copy=${process.env.BERTH_COPY_ID || "unknown"},version=${version}`,
  });
  res.end(text);
}

async function invocations(req, res) {
  const text = await readBody(req);
  let body;
  try {
    body = text === "" ? {} : JSON.parse(text);
  } catch {
    body = { text };
  }
  if (body === null || typeof body !== "object" || Array.isArray(body)) body = { value: body };

  // Requests that make the model misbehave, so its supervision can be shown.
  if (Number.isInteger(body.allocateMiB) && body.allocateMiB > 0) {
    console.log(`allocating ${body.allocateMiB} MiB`);
    for (let i = 0; i < body.allocateMiB; i++) held.push(Buffer.alloc(1024 * 1024, 1));
  }
  if (body.failPing === true) {
    fs.writeFileSync(failPingFile, "failing from now on\n");
    console.log("/ping fails from now on");
  }

  if (Number.isInteger(body.delayMs) && body.delayMs > 0) await new Promise((resolve) => setTimeout(resolve, body.delayMs));

  const answer = { version, argv: process.argv.slice(2), env: selectedEnv(body.env), modelFiles: modelFiles(), body };
  if (typeof body.readModelFile === "string") {
    answer.modelFileText = fs.readFileSync(path.join(modelDir, path.basename(body.readModelFile)), "utf8");
  }
  if (typeof body.writeModelFile === "string") {
    try {
      fs.writeFileSync(path.join(modelDir, path.basename(body.writeModelFile)), "x");
      answer.modelDirWritable = true;
    } catch (error) {
      answer.modelDirWritable = false;
      answer.writeError = error.code;
    }
  }

  const accept = String(req.headers.accept || "");
  const lines = Number.isInteger(body.stream) ? body.stream : accept.includes("jsonlines") || req.headers["x-berth-stream"] === "true" ? 3 : 0;
  if (lines <= 0) return send(res, 200, answer);

  // Streaming: one JSON line per chunk (chunked transfer encoding), a little apart.
  res.writeHead(200, {
    "Content-Type": "application/jsonlines",
    "X-Amzn-SageMaker-Custom-Attributes": `copy=${process.env.BERTH_COPY_ID || "unknown"},version=${version}`,
  });
  let sent = 0;
  const next = () => {
    if (res.destroyed) return;
    if (sent === lines) return res.end();
    res.write(JSON.stringify({ version, part: sent, of: lines }) + "\n");
    sent++;
    setTimeout(next, 50);
  };
  next();
}

const server = http.createServer((req, res) => {
  const started = Date.now();
  // One line per request; health checks only when they fail (they come every few seconds).
  res.on("finish", () => {
    if (req.url !== "/ping" || res.statusCode !== 200) console.log(`${req.method} ${req.url} ${res.statusCode} ${Date.now() - started}ms`);
  });
  if (req.method === "GET" && req.url === "/ping") {
    if (pingFails()) return send(res, 500, { status: "unhealthy" });
    return send(res, 200, { status: "healthy", version });
  }
  if (req.method === "POST" && req.url === "/invocations") {
    invocations(req, res).catch((error) => {
      console.error(`invocation failed: ${error.stack || error}`);
      if (!res.headersSent) send(res, 500, { error: String(error.message || error) });
      else res.destroy();
    });
    return;
  }
  send(res, 404, { error: `no route ${req.method} ${req.url}` });
});

server.listen(port, "0.0.0.0", () => {
  console.log(`model ${version} serving on 0.0.0.0:${port}; model files: ${modelFiles().join(", ") || "(none)"}`);
});

for (const signal of ["SIGTERM", "SIGINT"]) {
  process.on(signal, () => {
    console.log(`${signal}: stopping`);
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 5000).unref();
  });
}
