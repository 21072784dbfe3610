import assert from "node:assert/strict";
import type { IncomingMessage } from "node:http";
import { describe, it } from "node:test";
import fc from "fast-check";
import { getCanonicalHeaders, SignatureV4 } from "@smithy/signature-v4";
import { Hash } from "@smithy/hash-node";
import type { HttpRequest } from "@smithy/types";
import { plainCanonicalPrefix } from "../../src/auth/canonical-request.js";

class Reference extends SignatureV4 {
  constructor() {
    super({ service: "s", region: "r", credentials: { accessKeyId: "a", secretAccessKey: "b" }, sha256: Hash.bind(null, "sha256") });
  }
  canonical(request: HttpRequest): string {
    return this.createCanonicalRequest(request, getCanonicalHeaders(request, undefined, new Set(Object.keys(request.headers))), "");
  }
}

describe("SigV4's canonical request, built directly for invocations", () => {
  it("is byte for byte what @smithy/signature-v4 builds, or left to it", () => {
    const reference = new Reference();
    const segment = fc.stringMatching(/^[A-Za-z0-9._~%!-]{0,6}$/);
    const value = fc.stringMatching(/^[ \ta-z0-9,;=\-\r\n]{0,12}$/);
    const name = fc.constantFrom("host", "content-type", "x-amz-date", "x-amz-content-sha256", "x-amzn-sagemaker-inference-component", "accept");
    fc.assert(
      fc.property(
        fc.array(segment, { maxLength: 4 }),
        fc.dictionary(name, fc.oneof(value, fc.array(value, { minLength: 1, maxLength: 2 }))),
        fc.array(name),
        (segments, headers, extra) => {
          const path = `/${segments.join("/")}`;
          const signed = [...Object.keys(headers), ...extra];
          const req = { method: "POST", headers } as unknown as IncomingMessage;
          const mine = plainCanonicalPrefix(req, path, signed);
          if (mine === undefined) return;
          const present: Record<string, string> = {};
          for (const n of signed) if (headers[n] !== undefined) present[n] = Array.isArray(headers[n]) ? headers[n].join(",") : headers[n];
          assert.equal(mine, reference.canonical({ method: "POST", path, query: {}, headers: present, protocol: "http:", hostname: "" } as HttpRequest));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("leaves paths with escapes, empty or dot segments to @smithy", () => {
    const req = { method: "POST", headers: { host: "h" } } as unknown as IncomingMessage;
    for (const path of ["/a%20b", "/a//b", "/a/./b", "/a/../b", "/..", "/a b"]) assert.equal(plainCanonicalPrefix(req, path, ["host"]), undefined, path);
    assert.equal(plainCanonicalPrefix(req, "/endpoints/e.1/invocations", ["host"]), "POST\n/endpoints/e.1/invocations\n\nhost:h\n\nhost\n");
  });
});
