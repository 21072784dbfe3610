import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { Agent } from "node:https";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ListModelsCommand, SageMakerClient } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";

const hasOpenssl = spawnSync("openssl", ["version"]).status === 0;
const python = "/usr/bin/python3";
const hasBoto3 = spawnSync(python, ["-c", "import boto3"]).status === 0;

/** A test CA and a server certificate it signed for localhost and 127.0.0.1, made with the openssl CLI. */
function makeCertificates(dir: string): { ca: string; cert: string; key: string } {
  const run = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "pipe" });
  run(
    "req",
    "-x509",
    "-newkey",
    "ec",
    "-pkeyopt",
    "ec_paramgen_curve:prime256v1",
    "-nodes",
    "-keyout",
    "ca.key",
    "-out",
    "ca.pem",
    "-days",
    "1",
    "-subj",
    "/CN=Berth test CA",
  );
  run("req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost");
  writeFileSync(join(dir, "server.ext"), "subjectAltName=DNS:localhost,IP:127.0.0.1\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n");
  run(
    "x509",
    "-req",
    "-in",
    "server.csr",
    "-CA",
    "ca.pem",
    "-CAkey",
    "ca.key",
    "-CAcreateserial",
    "-out",
    "server.pem",
    "-days",
    "1",
    "-extfile",
    "server.ext",
  );
  return { ca: join(dir, "ca.pem"), cert: join(dir, "server.pem"), key: join(dir, "server.key") };
}

describe("TLS on the API port", { skip: hasOpenssl ? false : "openssl is not installed (apt-get install openssl; CI installs it)" }, () => {
  let berth: BerthProcess;
  let files: { ca: string; cert: string; key: string };
  before(async () => {
    const dir = newDataDir();
    files = makeCertificates(dir);
    berth = await startBerth({ args: ["--tls-cert", files.cert, "--tls-key", files.key] });
  });
  after(async () => {
    await berth.stop();
  });

  it("serves https, and says so in the ready line", async () => {
    assert.match(berth.url, /^https:\/\/127\.0\.0\.1:\d+$/);
    await assert.rejects(fetch(`${berth.url}/healthz`), "a client that does not trust the test CA refuses the certificate");
  });

  it("works with the JS SDK trusting the test CA", async () => {
    const sm = new SageMakerClient({
      endpoint: berth.url,
      region: "us-east-1",
      credentials,
      maxAttempts: 1,
      requestHandler: new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(files.ca) }) }),
    });
    assert.deepEqual((await sm.send(new ListModelsCommand({}))).Models, []);
  });

  it("works with boto3 given verify=<ca file>", { skip: hasBoto3 ? false : "boto3 is not installed for /usr/bin/python3 (CI installs python3-boto3)" }, () => {
    const script = [
      "import json, sys, boto3",
      "url, ca, key, secret = sys.argv[1:5]",
      "sm = boto3.client('sagemaker', endpoint_url=url, region_name='us-east-1', verify=ca, aws_access_key_id=key, aws_secret_access_key=secret)",
      "print(json.dumps(sm.list_models()['Models']))",
    ].join("\n");
    const output = execFileSync(python, ["-c", script, berth.url, files.ca, credentials.accessKeyId, credentials.secretAccessKey], { encoding: "utf8" });
    assert.deepEqual(JSON.parse(output), []);
  });
});

describe("TLS on the API port with router workers", { skip: hasOpenssl ? false : "openssl is not installed (apt-get install openssl; CI installs it)" }, () => {
  let berth: BerthProcess;
  let files: { ca: string; cert: string; key: string };
  before(async () => {
    files = makeCertificates(newDataDir());
    berth = await startBerth({ args: ["--tls-cert", files.cert, "--tls-key", files.key, "--router-workers", "2"] });
  });
  after(async () => {
    await berth.stop();
  });

  it("answers the SDK trusting the test CA, for the APIs the workers relay and for invocations they serve", async () => {
    const client = { endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 };
    const requestHandler = new NodeHttpHandler({ httpsAgent: new Agent({ ca: readFileSync(files.ca) }) });
    const sm = new SageMakerClient({ ...client, requestHandler });
    assert.deepEqual((await sm.send(new ListModelsCommand({}))).Models, [], "a control-plane call reaches the primary through a worker");
    const runtime = new SageMakerRuntimeClient({ ...client, requestHandler });
    await assert.rejects(runtime.send(new InvokeEndpointCommand({ EndpointName: "no-such-endpoint", Body: "{}" })), (error: Error) => {
      assert.equal(error.name, "ValidationError");
      assert.match(error.message, /no-such-endpoint/);
      return true;
    });
  });
});
