import { createHmac } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { KeyRing } from "../src/auth/key-ring.js";
import { writeKeys } from "../src/auth/keys-file.js";
import { administratorPolicy } from "../src/auth/policy.js";
import { SigV4Verifier } from "../src/auth/sigv4.js";
import { createLogger } from "../src/util/logger.js";
import { fixed, textTable } from "./support/table.js";

/**
 * npm run bench:auth — what SigV4 verification costs the server per request, against baselines measured in
 * the same run: the client's own signing of the same request with @smithy/signature-v4, and one plain
 * HMAC-SHA256. Requests are an awsJson call (body hashed by the server), an InvokeEndpoint with a declared
 * body hash (the JS SDK's runtime request), and a presigned GET. One process, no network: this isolates
 * the verifier. Run it once, briefly (the iterations below take a few seconds).
 */
const iterations = Number(process.env.BENCH_AUTH_ITERATIONS ?? 20_000);
const credentials = { accessKeyId: "AKIABENCHAUTHKEY0000", secretAccessKey: "bench-auth-secret-key-0000000000000000000" };
const host = "127.0.0.1:8080";
const signer = new SignatureV4({ credentials, region: "us-east-1", service: "sagemaker", sha256: Hash.bind(null, "sha256") });
/** Sends no x-amz-content-sha256, so the server must hash the body to rebuild the canonical request. */
const noChecksumSigner = new SignatureV4({ credentials, region: "us-east-1", service: "sagemaker", sha256: Hash.bind(null, "sha256"), applyChecksum: false });

interface Case {
  name: string;
  request: HttpRequest;
  presign?: boolean;
  signer?: SignatureV4;
}

const jsonBody = JSON.stringify({ EndpointName: "berth-demo", MaxResults: 10 });
const invokeBody = Buffer.alloc(1024, 97);
const cases: Case[] = [
  {
    name: "awsJson DescribeEndpoint (server hashes the body)",
    signer: noChecksumSigner,
    request: new HttpRequest({
      method: "POST",
      hostname: "127.0.0.1",
      port: 8080,
      path: "/",
      headers: { host, "content-type": "application/x-amz-json-1.1", "x-amz-target": "SageMaker.DescribeEndpoint" },
      body: jsonBody,
    }),
  },
  {
    name: "InvokeEndpoint, 1 KiB body, declared sha256",
    request: new HttpRequest({
      method: "POST",
      hostname: "127.0.0.1",
      port: 8080,
      path: "/endpoints/berth-demo/invocations",
      headers: { host, "content-type": "application/json", "x-amzn-sagemaker-inference-component": "demo-echo" },
      body: invokeBody,
    }),
  },
  {
    name: "presigned GET /berth/v1/instances",
    presign: true,
    request: new HttpRequest({
      method: "GET",
      hostname: "127.0.0.1",
      port: 8080,
      path: "/berth/v1/instances",
      query: { endpoint: "berth-demo" },
      headers: { host },
    }),
  },
];

/** The signed request as the server's http module hands it over. */
async function received(c: Case): Promise<{ req: IncomingMessage; body: Buffer }> {
  const signed = c.presign ? await signer.presign(c.request, { expiresIn: 3600 }) : await (c.signer ?? signer).sign(c.request);
  const query = Object.entries(signed.query ?? {})
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`)
    .join("&");
  const headers = Object.fromEntries(Object.entries(signed.headers).map(([k, v]) => [k.toLowerCase(), v]));
  const req = { method: signed.method, url: query ? `${signed.path}?${query}` : signed.path, headers } as unknown as IncomingMessage;
  const body = typeof c.request.body === "string" ? Buffer.from(c.request.body) : ((c.request.body as Buffer | undefined) ?? Buffer.alloc(0));
  return { req, body };
}

async function timePerOp(run: () => Promise<unknown> | unknown): Promise<number> {
  for (let i = 0; i < Math.min(2000, iterations); i++) await run();
  const start = performance.now();
  for (let i = 0; i < iterations; i++) await run();
  return ((performance.now() - start) * 1000) / iterations;
}

const dataDir = mkdtempSync(join(tmpdir(), "berth-bench-auth-"));
try {
  writeKeys(dataDir, [{ ...credentials, name: "bench", createdAt: new Date().toISOString(), policy: administratorPolicy }]);
  const keys = new KeyRing(dataDir, createLogger({ level: "warn" }));
  const verifier = new SigV4Verifier(keys, { now: () => Date.now(), clockSkewSeconds: 300 });
  const hmacMicros = await timePerOp(() => createHmac("sha256", "key").update("AWS4-HMAC-SHA256\n20260101T000000Z\nscope\nhash").digest("hex"));
  const rows: string[][] = [];
  for (const c of cases) {
    const { req, body } = await received(c);
    await (await verifier.begin(req, "sagemaker")).body(body);
    const signMicros = await timePerOp(() => (c.presign ? signer.presign(c.request, { expiresIn: 3600 }) : (c.signer ?? signer).sign(c.request)));
    const verifyMicros = await timePerOp(async () => (await verifier.begin(req, "sagemaker")).body(body));
    rows.push([c.name, fixed(verifyMicros, 1), fixed(signMicros, 1), fixed(verifyMicros / signMicros, 2), fixed(verifyMicros / hmacMicros, 1)]);
  }
  keys.close();
  console.log(`SigV4 verification, ${iterations} requests per row after a warm-up (µs per request; lower is better)\n`);
  console.log(textTable({ head: ["request", "verify µs", "client sign µs (baseline)", "verify / sign", "verify / one HMAC"], rows, right: [1, 2, 3, 4] }));
  console.log(`\none plain HMAC-SHA256: ${fixed(hmacMicros, 2)} µs`);
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
