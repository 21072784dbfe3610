import assert from "node:assert/strict";
import { after, before, describe, it } from "node:test";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { invoke } from "../support/invoke.js";
import { berthFetch } from "../support/http.js";

describe("hostile runtime paths", () => {
  let berth: BerthProcess;
  before(async () => {
    berth = await startBerth();
  });
  after(async () => {
    await berth.stop();
  });

  const hostile: [string, RegExp][] = [
    ["%zz", /not valid percent-encoding/],
    ["%ff%fe", /not valid percent-encoding/],
    ["abc%", /not valid percent-encoding/],
    ["%00", /failed to satisfy constraint: Member must satisfy regular expression pattern/],
    ["ab%00cd", /failed to satisfy constraint/],
    ["..%2Fetc%2Fpasswd", /failed to satisfy constraint/],
    ["...", /failed to satisfy constraint/],
    ["a".repeat(5000), /Member must have length less than or equal to 63/],
    ["%41".repeat(64), /Member must have length less than or equal to 63/],
    ["name%0d%0aX-Injected:%20yes", /failed to satisfy constraint/],
    [`x/${"y".repeat(5000)}`, /No runtime operation is served at/],
  ];

  for (const [segment, message] of hostile) {
    it(`answers ValidationError, never 500, for /endpoints/${segment.length > 40 ? `${segment.slice(0, 20)}...(${segment.length} chars)` : segment}/invocations`, async () => {
      const response = await berthFetch(`${berth.url}/endpoints/${segment}/invocations`, {
        method: "POST",
        body: "{}",
        headers: { "content-type": "application/json" },
      });
      assert.equal(response.status, 400);
      assert.equal(response.headers.get("x-amzn-errortype"), "ValidationError");
      const body = (await response.json()) as { message: string };
      assert.match(body.message, message);
      assert.ok(body.message.length < 600, "the message quotes a shortened name");
      assert.ok(!/[\u0000\r\n]/.test(body.message), "control characters are escaped in the message");
    });
  }

  it("raises ValidationError in the SDK for names it sends percent-encoded", async () => {
    await assert.rejects(invoke(berth.runtime, "bad name/../%zz", undefined, "x"), {
      name: "ValidationError",
      message: /at 'endpointName' failed to satisfy constraint/,
    });
    await assert.rejects(invoke(berth.runtime, "n".repeat(64), undefined, "x"), { name: "ValidationError", message: /length less than or equal to 63/ });
  });

  it("keeps serving after the hostile requests", async () => {
    const health = await berthFetch(`${berth.url}/healthz`);
    assert.equal(health.status, 200);
  });
});
