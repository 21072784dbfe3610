import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it } from "node:test";
import { signedHeaders } from "../../src/cli/signed-fetch.js";
import { credentials, newDataDir, startBerth, type BerthProcess } from "../support/berth-process.js";
import { berthFetch } from "../support/http.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));

/** GET with a chosen Host header (fetch always sends the URL's), optionally signed for that host. */
function getWithHost(port: number, path: string, host: string, sign: boolean): Promise<{ status: number; body: { __type?: string; message?: string } }> {
  return (async () => {
    const headers: Record<string, string> = sign
      ? await signedHeaders(`http://${host}${path}`, {}, { credentials, region: "us-east-1", service: "sagemaker" })
      : {};
    return new Promise((resolve, reject) => {
      const req = request({ host: "127.0.0.1", port, path, headers: { ...headers, host } }, (res) => {
        let text = "";
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }));
      });
      req.on("error", reject);
      req.end();
    });
  })();
}

const errorLines = (berth: BerthProcess) => berth.logs.filter((line) => Number(line.level) >= 50);

describe("exposure: Host names, non-loopback hosts, insecure mode, refusals in the log", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth({ config: { auth: { allowedHosts: ["berth.internal"] } } });
  });
  after(async () => {
    await berth.stop();
  });

  it("refuses a Host header that is not an allowed name (DNS rebinding), even correctly signed", async () => {
    const evil = await getWithHost(berth.port, "/berth/v1/instances", `evil.example:${berth.port}`, true);
    assert.equal(evil.status, 403);
    assert.equal(evil.body.__type, "HostNotAllowedException");
    assert.match(evil.body.message!, /The Host header 'evil\.example:\d+' is not a name this server answers to .* add it to auth\.allowedHosts/);
    assert.equal(
      (await getWithHost(berth.port, "/berth/v1/instances", `berth.internal:${berth.port}`, true)).status,
      200,
      "a name from auth.allowedHosts is accepted",
    );
    assert.equal((await getWithHost(berth.port, "/berth/v1/instances", `localhost:${berth.port}`, true)).status, 200);
  });

  it("answers unknown routes 404 and refusals 403 without logging them as errors", async () => {
    const missing = await berthFetch(`${berth.url}/no/such/route`);
    assert.equal(missing.status, 404);
    assert.equal((await berthFetch(`${berth.url}/berth/v1/no-such-view`)).status, 404);
    assert.equal((await fetch(`${berth.url}/berth/v1/instances`)).status, 403);
    assert.deepEqual(errorLines(berth), []);
  });

  it("refuses to start on a non-loopback host without authentication, saying why and what to do", () => {
    const dataDir = newDataDir();
    const flag = spawnSync(process.execPath, [binary, "server", "--host", "0.0.0.0", "--port", "0", "--insecure-no-auth", "--data-dir", dataDir], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(flag.status, 2);
    assert.match(
      flag.stderr,
      /refusing to listen on 0\.0\.0\.0 without authentication: anyone who can reach that address .* Drop --insecure-no-auth .* or listen on 127\.0\.0\.1/,
    );
    const file = join(dataDir, "open.yaml");
    writeFileSync(file, "host: 10.1.2.3\nauth:\n  enabled: false\n");
    const config = spawnSync(process.execPath, [binary, "server", "--config", file, "--port", "0", "--data-dir", dataDir], {
      encoding: "utf8",
      timeout: 20_000,
    });
    assert.equal(config.status, 2);
    assert.match(config.stderr, /refusing to listen on 10\.1\.2\.3 without authentication/);
    writeFileSync(file, "auth:\n  enable: false\n");
    const typo = spawnSync(process.execPath, [binary, "server", "--config", file, "--port", "0", "--data-dir", dataDir], { encoding: "utf8", timeout: 20_000 });
    assert.equal(typo.status, 2);
    assert.match(typo.stderr, /unknown setting 'auth\.enable'/);
  });

  it("serves unsigned requests on loopback with --insecure-no-auth, says so, and still checks Host", async () => {
    const open = await startBerth({ args: ["--insecure-no-auth"] });
    try {
      assert.equal((await fetch(`${open.url}/berth/v1/instances`)).status, 200);
      assert.ok(
        open.logs.some((l) => l.level === 40 && /authentication is OFF \(--insecure-no-auth\)/.test(String(l.msg))),
        "the start-up log says what is given up",
      );
      assert.equal((await getWithHost(open.port, "/berth/v1/instances", "rebound.example", false)).status, 403);
      assert.equal((await fetch(`${open.url}/nothing-here`)).status, 404);
      assert.deepEqual(errorLines(open), []);
    } finally {
      await open.stop();
    }
  });
});
