import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { CloudWatchClient, ListMetricsCommand } from "@aws-sdk/client-cloudwatch";
import { CreateModelCommand, DescribeModelCommand, ListEndpointsCommand, ListModelsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch, rawConnection } from "../support/http.js";
import { eventually } from "../support/wait.js";
import { afterSigning } from "./tamper.js";

const mismatch =
  "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

async function refusal(
  promise: Promise<unknown>,
): Promise<Error & { $metadata?: { httpStatusCode?: number }; $response?: { headers: Record<string, string> } }> {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  assert.fail("the request was accepted");
}

describe("SigV4 authentication", () => {
  let berth: BerthProcess;
  let options: { endpoint: string; region: string; credentials: typeof credentials; maxAttempts: number };
  before(async () => {
    berth = await startBerth();
    options = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
  });
  after(async () => {
    await berth.stop();
  });

  it("refuses an unsigned request with MissingAuthenticationTokenException, on every API", async () => {
    const unsigned = afterSigning(new SageMakerClient(options), (request) => {
      delete request.headers.authorization;
    });
    const error = await refusal(unsigned.send(new ListEndpointsCommand({})));
    assert.equal(error.name, "MissingAuthenticationTokenException");
    assert.equal(error.$metadata?.httpStatusCode, 403);
    for (const path of ["/endpoints/x/invocations", "/berth/v1/instances", "/metrics"]) {
      const response = await fetch(`${berth.url}${path}`, { method: path.startsWith("/endpoints") ? "POST" : "GET" });
      assert.equal(response.status, 403, path);
      assert.equal(((await response.json()) as { __type: string }).__type, "MissingAuthenticationTokenException", path);
    }
    assert.equal((await fetch(`${berth.url}/healthz`)).status, 200, "/healthz stays open: it reveals nothing");
  });

  it("closes a connection that goes on sending the body of a refused request, so no one without a key can hold it", async () => {
    const url = new URL(berth.url);
    const connection = rawConnection(
      berth.url,
      `POST / HTTP/1.1\r\nHost: ${url.host}\r\nX-Amz-Target: SageMaker.ListModels\r\nContent-Length: 1000000000\r\n\r\n{`,
    );
    const socket = connection.socket;
    // A byte at a time: with the connection kept for the rest of the body, this would hold it for Node's 300 s requestTimeout.
    const drip = setInterval(() => socket.writable && socket.write("x"), 200);
    try {
      await eventually(async () => (connection.closed() ? true : undefined), { timeoutMs: 60_000, what: "the server to close the connection" });
    } finally {
      clearInterval(drip);
      socket.destroy();
    }
    assert.match(connection.answer(), /^HTTP\/1\.1 403 /);
    assert.match(connection.answer(), /MissingAuthenticationTokenException/, "the client got the refusal before the connection closed");
  });

  it("refuses an unknown key with UnrecognizedClientException", async () => {
    const error = await refusal(
      new SageMakerClient({ ...options, credentials: { accessKeyId: "AKIAUNKNOWNKEY000000", secretAccessKey: credentials.secretAccessKey } }).send(
        new ListModelsCommand({}),
      ),
    );
    assert.equal(error.name, "UnrecognizedClientException");
    assert.equal(error.message, "The security token included in the request is invalid.");
    assert.equal(error.$metadata?.httpStatusCode, 403);
  });

  it("refuses a wrong secret with InvalidSignatureException, in each client's own error class", async () => {
    const wrong = { ...options, credentials: { ...credentials, secretAccessKey: "x".repeat(40) } };
    const sagemaker = await refusal(new SageMakerClient(wrong).send(new ListModelsCommand({})));
    assert.equal(sagemaker.name, "InvalidSignatureException");
    assert.equal(sagemaker.message, mismatch);
    const runtime = await refusal(new SageMakerRuntimeClient(wrong).send(new InvokeEndpointCommand({ EndpointName: "x", Body: "{}" })));
    assert.equal(runtime.name, "InvalidSignatureException");
    assert.equal(runtime.message, mismatch);
    const cloudwatch = await refusal(new CloudWatchClient(wrong).send(new ListMetricsCommand({})));
    assert.equal(cloudwatch.name, "SignatureDoesNotMatch", "CloudWatch's query-compatible clients name the error from x-amzn-query-error");
    assert.equal(cloudwatch.$metadata?.httpStatusCode, 403);
  });

  it("refuses a request changed after signing: body, a signed header, or an unsigned x-amz-* header", async () => {
    const body = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.body = String(request.body).replace("signed", "forged");
      }).send(new CreateModelCommand({ ModelName: "signed", PrimaryContainer: { Image: "berth/echo" } })),
    );
    assert.equal(body.name, "InvalidSignatureException");
    const target = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers["x-amz-target"] = "SageMaker.ListModels";
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(target.name, "InvalidSignatureException");
    const extra = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers["x-amz-extra"] = "1";
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(extra.name, "IncompleteSignatureException");
    assert.match(extra.message, /not signed: x-amz-extra/);
    const models = await berth.sagemaker.send(new ListModelsCommand({}));
    assert.deepEqual(models.Models, [], "no refused request created anything");
  });

  it("refuses malformed Authorization headers with IncompleteSignatureException", async () => {
    const noSignature = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers.authorization = request.headers.authorization!.replace(/, Signature=[0-9a-f]+/, "");
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(noSignature.name, "IncompleteSignatureException");
    assert.equal(noSignature.message, "Authorization header requires 'Signature' parameter.");
    const hostUnsigned = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers.authorization = request.headers.authorization!.replace("SignedHeaders=", "SignedHeaders=x-").replace(/;host;/, ";");
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(hostUnsigned.name, "IncompleteSignatureException");
    const onlySignature = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers.authorization = request.headers.authorization!.replace(/Credential=[^,]*, SignedHeaders=[^,]*, /, "Extra=1 , ");
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(
      onlySignature.message,
      "Authorization header requires 'Credential' parameter. Authorization header requires 'SignedHeaders' parameter.",
      "every missing parameter is named, in SigV4's order",
    );
    const badDate = await refusal(
      afterSigning(new SageMakerClient(options), (request) => {
        request.headers["x-amz-date"] = "2026-12-06T12:00:00Z";
      }).send(new ListEndpointsCommand({})),
    );
    assert.equal(badDate.name, "IncompleteSignatureException");
    assert.equal(badDate.message, "X-Amz-Date '2026-12-06T12:00:00Z' is not a date of the form YYYYMMDD'T'HHMMSS'Z'.");
    for (const value of ["20261399T999999Z", "20260231T120000Z"]) {
      const noSuchDate = await refusal(
        afterSigning(new SageMakerClient(options), (request) => {
          request.headers["x-amz-date"] = value;
        }).send(new ListEndpointsCommand({})),
      );
      assert.equal(noSuchDate.name, "IncompleteSignatureException", `${value} is no date, not one out of the clock window`);
      assert.equal(noSuchDate.message, `X-Amz-Date '${value}' is not a date of the form YYYYMMDD'T'HHMMSS'Z'.`);
    }
  });

  it("holds signatures to a 5-minute clock window, and the SDK corrects its clock from the answer", async () => {
    const late = await refusal(new SageMakerClient({ ...options, systemClockOffset: -10 * 60_000 }).send(new ListEndpointsCommand({})));
    assert.equal(late.name, "InvalidSignatureException");
    assert.match(late.message, /^Signature expired: \d{8}T\d{6}Z is now earlier than \d{8}T\d{6}Z \(\d{8}T\d{6}Z - 5 min\.\)$/);
    const early = await refusal(new SageMakerClient({ ...options, systemClockOffset: 10 * 60_000 }).send(new ListEndpointsCommand({})));
    assert.match(early.message, /^Signature not yet current: /);
    const corrected = new SageMakerClient({ ...options, maxAttempts: 3, systemClockOffset: -10 * 60_000 });
    assert.deepEqual((await corrected.send(new ListEndpointsCommand({}))).Endpoints, []);
  });

  it("accepts presigned URLs until they expire, and refuses them changed", async () => {
    const signer = new SignatureV4({ credentials, region: "us-east-1", service: "sagemaker", sha256: Hash.bind(null, "sha256") });
    const url = new URL(`${berth.url}/berth/v1/instances`);
    const presign = async (signingDate: Date, expiresIn: number) => {
      const signed = await signer.presign(
        new HttpRequest({
          method: "GET",
          protocol: "http:",
          hostname: url.hostname,
          port: Number(url.port),
          path: url.pathname,
          query: { endpoint: "none" },
          headers: { host: url.host },
        }),
        { signingDate, expiresIn },
      );
      return `${berth.url}${signed.path}?${new URLSearchParams(signed.query as Record<string, string>).toString().replace(/\+/g, "%20")}`;
    };
    const fresh = await presign(new Date(), 60);
    assert.equal((await fetch(fresh)).status, 200);
    const expired = await fetch(await presign(new Date(Date.now() - 3600_000), 60));
    assert.equal(expired.status, 403);
    const body = (await expired.json()) as { __type: string; message: string };
    assert.equal(body.__type, "InvalidSignatureException");
    assert.match(body.message, /^Signature expired: /);
    const changed = await fetch(fresh.replace("endpoint=none", "endpoint=other"));
    assert.equal(((await changed.json()) as { message: string }).message, mismatch);
  });

  it("checks the declared body hash, and accepts UNSIGNED-PAYLOAD", async () => {
    const list = { method: "POST", body: "{}" };
    const headers = (sha256: string) => ({
      "content-type": "application/x-amz-json-1.1",
      "x-amz-target": "SageMaker.ListModels",
      "x-amz-content-sha256": sha256,
    });
    assert.equal((await berthFetch(berth.url, { ...list, headers: headers("UNSIGNED-PAYLOAD") })).status, 200);
    const wrong = await berthFetch(berth.url, { ...list, headers: headers("0".repeat(64)) });
    assert.equal(wrong.status, 403);
    assert.match(((await wrong.json()) as { message: string }).message, /x-amz-content-sha256' header does not match/);
  });

  it("decodes signed aws-chunked bodies (STREAMING-AWS4-HMAC-SHA256-PAYLOAD) and refuses a bad chunk signature", async () => {
    const payload = JSON.stringify({ ModelName: "streamed", PrimaryContainer: { Image: "berth/echo" } });
    const send = (tamper: boolean) => sendSignedChunks(berth.url, Buffer.from(payload), tamper);
    const bad = await send(true);
    assert.equal(bad.status, 403);
    assert.match(((await bad.json()) as { message: string }).message, /signature of chunk 1/);
    const good = await send(false);
    assert.equal(good.status, 200, await good.clone().text());
    assert.equal((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: "streamed" }))).ModelName, "streamed");
  });

  it("decodes unsigned aws-chunked bodies with a checksum trailer (STREAMING-UNSIGNED-PAYLOAD-TRAILER)", async () => {
    const payload = Buffer.from("{}");
    const send = (checksum: string) =>
      berthFetch(berth.url, {
        method: "POST",
        headers: {
          "content-type": "application/x-amz-json-1.1",
          "x-amz-target": "SageMaker.ListModels",
          "content-encoding": "aws-chunked",
          "x-amz-content-sha256": "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
          "x-amz-trailer": "x-amz-checksum-crc32",
          "x-amz-decoded-content-length": String(payload.length),
        },
        body: Buffer.concat([Buffer.from(`${payload.length.toString(16)}\r\n`), payload, Buffer.from(`\r\n0\r\nx-amz-checksum-crc32:${checksum}\r\n\r\n`)]),
      });
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE((await import("node:zlib")).crc32(payload));
    assert.equal((await send(crc.toString("base64"))).status, 200);
    const wrong = await send("AAAAAA==");
    assert.equal(wrong.status, 403);
    assert.match(((await wrong.json()) as { message: string }).message, /x-amz-checksum-crc32 trailer does not match/);
  });

  it("works with curl --aws-sigv4, as the README shows", { skip: spawnSync("curl", ["--version"]).status === 0 ? false : "curl is not installed" }, () => {
    const result = spawnSync(
      "curl",
      [
        "-s",
        `${berth.url}/endpoints/absent/invocations`,
        "--aws-sigv4",
        "aws:amz:us-east-1:sagemaker",
        "--user",
        `${credentials.accessKeyId}:${credentials.secretAccessKey}`,
        "-H",
        "Content-Type: application/json",
        "-d",
        "{}",
      ],
      { encoding: "utf8" },
    );
    assert.equal(JSON.parse(result.stdout).__type, "ValidationError", `signed by curl and past authentication: ${result.stdout}`);
  });
});

/** CreateModel as an aws-chunked body: two data chunks and the final empty one, each signed over the one before. */
async function sendSignedChunks(url: string, payload: Buffer, tamper: boolean): Promise<Response> {
  const signer = new SignatureV4({ credentials, region: "us-east-1", service: "sagemaker", sha256: Hash.bind(null, "sha256") });
  const target = new URL(url);
  const date = new Date();
  const headers = {
    host: target.host,
    "content-type": "application/x-amz-json-1.1",
    "x-amz-target": "SageMaker.CreateModel",
    "content-encoding": "aws-chunked",
    "x-amz-content-sha256": "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
    "x-amz-decoded-content-length": String(payload.length),
  };
  const signed = await signer.sign(
    new HttpRequest({ method: "POST", protocol: "http:", hostname: target.hostname, port: Number(target.port), path: "/", headers }),
    { signingDate: date },
  );
  let previous = /Signature=([0-9a-f]+)/.exec(signed.headers.authorization!)![1]!;
  const longDate = signed.headers["x-amz-date"]!;
  const scope = `${longDate.slice(0, 8)}/us-east-1/sagemaker/aws4_request`;
  const hex = (data: Uint8Array) => Buffer.from(data).toString("hex");
  const sha = async (data: Uint8Array) => {
    const hash = new (Hash.bind(null, "sha256"))();
    hash.update(data);
    return hex(await hash.digest());
  };
  const half = Math.ceil(payload.length / 2);
  const parts: Buffer[] = [];
  for (const [index, chunk] of [payload.subarray(0, half), payload.subarray(half), Buffer.alloc(0)].entries()) {
    const stringToSign = ["AWS4-HMAC-SHA256-PAYLOAD", longDate, scope, previous, await sha(new Uint8Array()), await sha(chunk)].join("\n");
    let signature = await signer.sign(stringToSign, { signingDate: date });
    previous = signature;
    if (tamper && index === 1) signature = "0".repeat(64);
    parts.push(Buffer.from(`${chunk.length.toString(16)};chunk-signature=${signature}\r\n`), chunk, Buffer.from("\r\n"));
  }
  const out: Record<string, string> = { ...signed.headers };
  delete out.host;
  return fetch(url, { method: "POST", headers: out, body: Buffer.concat(parts) });
}
