import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch, rawGet } from "../support/http.js";
import { eventually } from "../support/wait.js";
import { readKeys, writeKeys } from "../../src/auth/keys-file.js";

async function login(url: string, key = credentials): Promise<string> {
  const response = await berthFetch(`${url}/console/api/session`, { method: "POST" }, { credentials: key });
  assert.equal(response.status, 200, await response.clone().text());
  const cookie = response.headers.get("set-cookie")!;
  assert.match(cookie, /^berth_console=[A-Za-z0-9_-]{43}; Path=\/console; HttpOnly; SameSite=Strict/);
  return cookie.split(";")[0]!;
}

/** What a key needs to use the console, and no more. */
const consoleReadPolicy = {
  Version: "2012-10-17",
  Statement: [
    {
      Effect: "Allow" as const,
      Action: ["sagemaker:List*", "berth:DescribeInstances", "cloudwatch:GetMetricData", "application-autoscaling:Describe*"],
      Resource: "*",
    },
  ],
};

describe("the web console's serving", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  it("serves the built page and its assets with their types, caching and a strict content security policy", async () => {
    const redirect = await rawGet(berth.url, "/console");
    assert.equal(redirect.status, 308);
    assert.equal(redirect.headers.location, "/console/");
    const page = await rawGet(berth.url, "/console/");
    assert.equal(page.status, 200);
    assert.equal(page.headers["content-type"], "text/html; charset=utf-8");
    assert.equal(page.headers["cache-control"], "no-cache");
    assert.match(String(page.headers["content-security-policy"]), /script-src 'self'/);
    assert.equal(page.headers["x-content-type-options"], "nosniff");
    const script = /src="\/console\/(assets\/[^"]+\.js)"/.exec(page.body)![1]!;
    const asset = await rawGet(berth.url, `/console/${script}`);
    assert.equal(asset.status, 200);
    assert.equal(asset.headers["content-type"], "text/javascript; charset=utf-8");
    assert.equal(asset.headers["cache-control"], "public, max-age=31536000, immutable");
  });

  it("serves nothing outside the built page, however the path is written", async () => {
    for (const path of [
      "/console/../package.json",
      "/console/%2e%2e/%2e%2e/package.json",
      "/console/assets/..%2f..%2findex.html",
      "/console/..%5c..%5cpackage.json",
      "/console/nope.js",
    ]) {
      const response = await rawGet(berth.url, path);
      assert.notEqual(response.status, 200, path);
      assert.doesNotMatch(response.body, /"name": "berth"/, path);
    }
  });

  it("refuses the console's data without a session, and to a page on another host name", async () => {
    for (const path of ["snapshot", "events", "components/x/series"]) {
      const response = await rawGet(berth.url, `/console/api/${path}`);
      assert.equal(response.status, 401, path);
      assert.match(response.body, /ConsoleLoginRequired/);
    }
    const rebound = await rawGet(berth.url, "/console/api/whoami", { host: "evil.example:80" });
    assert.equal(rebound.status, 403);
    assert.match(rebound.body, /HostNotAllowedException/);
    const who = await rawGet(berth.url, "/console/api/whoami");
    assert.deepEqual(JSON.parse(who.body), { authentication: true, loggedIn: false, region: "us-east-1" });
  });

  it("opens a session for a SigV4-signed login and refuses a wrong secret", async () => {
    const wrong = await berthFetch(
      `${berth.url}/console/api/session`,
      { method: "POST" },
      { credentials: { ...credentials, secretAccessKey: "not-the-secret" } },
    );
    assert.equal(wrong.status, 403);
    assert.equal(((await wrong.json()) as { __type: string }).__type, "InvalidSignatureException");
    const cookie = await login(berth.url);
    const snapshot = await rawGet(berth.url, "/console/api/snapshot", { cookie });
    assert.equal(snapshot.status, 200);
    assert.deepEqual(Object.keys(JSON.parse(snapshot.body)), ["at", "endpoints", "components", "instances", "activities"]);
    const malformed = await rawGet(berth.url, "/console/api/components/%zz/series", { cookie });
    assert.equal(malformed.status, 400, "malformed percent-encoding is the client's error, not a 500");
    assert.match(malformed.body, /"__type":"ValidationException".*'%zz', is not valid percent-encoding/);
    const who = JSON.parse((await rawGet(berth.url, "/console/api/whoami", { cookie })).body);
    assert.equal(who.accessKeyId, credentials.accessKeyId);
    const out = await fetch(`${berth.url}/console/api/session`, { method: "DELETE", headers: { cookie } });
    assert.equal(out.status, 200);
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie })).status, 401);
  });

  it("logs in through a presigned link and lands on the page", async () => {
    const url = new URL(`${berth.url}/console/api/session`);
    const signer = new SignatureV4({ credentials, region: "us-east-1", service: "sagemaker", sha256: Hash.bind(null, "sha256") });
    const presigned = await signer.presign(
      new HttpRequest({ method: "GET", protocol: "http:", hostname: url.hostname, port: Number(url.port), path: url.pathname, headers: { host: url.host } }),
      { expiresIn: 300 },
    );
    const query = new URLSearchParams(presigned.query as Record<string, string>).toString();
    const response = await rawGet(berth.url, `${url.pathname}?${query}`);
    assert.equal(response.status, 303);
    assert.equal(response.headers.location, "/console/");
    const cookie = String(response.headers["set-cookie"]).split(";")[0]!;
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie })).status, 200);
  });

  it("ends a session when its key is deleted, and refuses keys not allowed to read what the console shows", async () => {
    const reader = { accessKeyId: "AKIACONSOLEREADER000", secretAccessKey: "console-reader-secret-0000000000000000000" };
    const invoker = { accessKeyId: "AKIACONSOLEINVOKER00", secretAccessKey: "console-invoker-secret-000000000000000000" };
    const now = new Date().toISOString();
    const invokeOnly = { Version: "2012-10-17", Statement: [{ Effect: "Allow" as const, Action: "sagemaker:InvokeEndpoint", Resource: "*" }] };
    writeKeys(berth.dataDir, [
      ...readKeys(berth.dataDir),
      { ...reader, name: "reader", createdAt: now, policy: consoleReadPolicy },
      { ...invoker, name: "invoker", createdAt: now, policy: invokeOnly },
    ]);
    const refused = await berthFetch(`${berth.url}/console/api/session`, { method: "POST" }, { credentials: invoker });
    assert.equal(refused.status, 403);
    assert.match(await refused.text(), /AccessDeniedException.*not authorized to perform: sagemaker:ListEndpoints/);
    const cookie = await login(berth.url, reader);
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie })).status, 200);
    writeKeys(
      berth.dataDir,
      readKeys(berth.dataDir).filter((k) => k.accessKeyId !== reader.accessKeyId),
    );
    await eventually(async () => ((await rawGet(berth.url, "/console/api/snapshot", { cookie })).status === 401 ? true : undefined), {
      what: "the deleted key's console session to end",
    });
  });

  it("keeps 20 sessions per key, dropping that key's own oldest, so one key cannot log the others out", async () => {
    const flooder = { accessKeyId: "AKIACONSOLEFLOOD0000", secretAccessKey: "console-flood-secret-00000000000000000000" };
    writeKeys(berth.dataDir, [...readKeys(berth.dataDir), { ...flooder, name: "flooder", createdAt: new Date().toISOString(), policy: consoleReadPolicy }]);
    const admin = await login(berth.url);
    const first = await eventually(
      async () => {
        const response = await berthFetch(`${berth.url}/console/api/session`, { method: "POST" }, { credentials: flooder });
        return response.status === 200 ? response.headers.get("set-cookie")!.split(";")[0]! : undefined;
      },
      { what: "the new key to log in" },
    );
    // More logins than the 1,000 sessions kept in all.
    let last = first;
    for (let i = 0; i < 1000; i++) last = await login(berth.url, flooder);
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie: admin })).status, 200, "another key's session survives");
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie: last })).status, 200);
    assert.equal((await rawGet(berth.url, "/console/api/snapshot", { cookie: first })).status, 401, "the flooding key's own oldest session went");
  });
});

describe("the web console without authentication (--insecure-no-auth)", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ args: ["--insecure-no-auth"] });
  });
  after(async () => {
    await berth.stop();
  });

  it("needs no login, as the API needs no key", async () => {
    const who = JSON.parse((await rawGet(berth.url, "/console/api/whoami")).body);
    assert.deepEqual(who, { authentication: false, loggedIn: true, region: "us-east-1" });
    assert.equal((await rawGet(berth.url, "/console/api/snapshot")).status, 200);
  });
});
