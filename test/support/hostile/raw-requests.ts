import fc from "fast-check";
import { gzipSync } from "node:zlib";
import { isReadOnly, servedApis, targetOf } from "./served-apis.js";
import { withPreview, type HostileRequest } from "./wire.js";

/** Header values fetch can carry: tab, visible ASCII and latin-1 (obs-text); other control characters it refuses to send. */
export const headerText = (maxLength: number) =>
  fc.string({
    unit: fc.oneof(fc.integer({ min: 0x20, max: 0x7e }), fc.integer({ min: 0x80, max: 0xff }), fc.constant(0x09)).map((c) => String.fromCharCode(c)),
    maxLength,
  });

const targets = servedApis.flatMap((api) => api.operations.map((operation) => ({ api, operation, target: targetOf(api, operation) })));

const badTargets = fc.oneof(
  fc.constantFrom(
    "SageMaker",
    "SageMaker.",
    ".CreateModel",
    "SageMaker.__proto__",
    "SageMaker.constructor",
    "SageMaker.toString",
    "SageMaker.hasOwnProperty",
    "SageMaker.valueOf",
    "SageMaker.__defineGetter__",
    "AnyScaleFrontendService.constructor",
    "GraniteServiceVersion20100801.__proto__",
    "GraniteServiceVersion20100801.isPrototypeOf",
    "sagemaker.CreateModel",
    "SageMaker.CreateModel.Extra",
    "SageMaker.LaunchRocket",
    "SageMaker..CreateModel",
    "%53ageMaker.CreateModel",
  ),
  headerText(300),
);

const badBodies: fc.Arbitrary<string | Uint8Array> = fc.oneof(
  fc.constantFrom(
    "",
    "{",
    "}",
    "[]",
    "null",
    "1",
    '"text"',
    "true",
    '{"a":}',
    "\uFEFF{}",
    "{}{}",
    "{} trailing",
    '{"__proto__":{"polluted":true}}',
    '{"constructor":{"prototype":{"polluted":true}}}',
    "1e999999",
    '{"a":1e999999}',
    "\u0000",
    '{"a":"\\ud800"}',
    '{"a":"\\u0000"}',
    '{"a":1,"a":2}',
  ),
  fc.constantFrom(10_000, 100_000).map((depth) => `{"a":${"[".repeat(depth)}${"]".repeat(depth)}}`),
  fc.constantFrom(100_000, 500_000).map((depth) => `${'{"a":'.repeat(depth)}1${"}".repeat(depth)}`),
  fc.uint8Array({ minLength: 1, maxLength: 200 }),
  fc.constant(new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d])),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc.json({ maxDepth: 4 }),
);

const contentTypes = fc.oneof(
  fc.constantFrom(
    "application/x-amz-json-1.1",
    "application/x-amz-json-1.0",
    "application/json",
    "application/json; charset=utf-16",
    "APPLICATION/JSON",
    "text/plain",
    "multipart/form-data; boundary=x",
    ";",
    "",
  ),
  headerText(200),
);

/**
 * Raw malformed requests to the awsJson APIs: bad JSON, bodies that are not objects, very deep nesting,
 * invalid UTF-8, wrong or odd content types, unknown or prototype-named targets, other methods, and
 * gzip bodies (CloudWatch inflates them) that are corrupt or inflate past the body cap.
 */
export function rawControlRequests(options: { maxBodyBytes: number }): fc.Arbitrary<HostileRequest> {
  const known = fc.constantFrom(...targets);
  const bodyCase = fc
    .record({ t: known, body: badBodies, contentType: fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: contentTypes }) })
    .map(({ t, body, contentType }) =>
      make(
        t.target,
        t.api.name === "cloudwatch",
        "POST",
        { "content-type": contentType ?? t.api.contentType },
        body,
        `${t.target} malformed body`,
        !isReadOnly(t.operation),
      ),
    );
  const targetCase = fc
    .record({ target: badTargets, body: fc.constantFrom("{}", '{"ModelName":"x"}') })
    .map(({ target, body }) => make(target, false, "POST", { "content-type": "application/x-amz-json-1.1" }, body, `target ${JSON.stringify(target)}`, true));
  const methodCase = fc.record({ t: known, method: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD") }).map(({ t, method }) =>
    // Methods are checked before the request reaches its service, so the answer is plain awsJson (no x-amzn-query-error).
    make(t.target, false, method, { "content-type": t.api.contentType }, "{}", `${method} ${t.target}`, false),
  );
  const gzipCase = fc
    .record({
      t: fc.constantFrom(...targets.filter((t) => t.api.name === "cloudwatch")),
      body: fc.oneof(
        fc.constant(gzipSync(Buffer.alloc(options.maxBodyBytes * 4, 0x20))),
        fc.constant(new Uint8Array([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad])),
        fc.json({ maxDepth: 3 }).map((text) => gzipSync(text)),
      ),
    })
    .map(({ t, body }) =>
      make(
        t.target,
        true,
        "POST",
        { "content-type": t.api.contentType, "content-encoding": "gzip" },
        new Uint8Array(body),
        `${t.target} gzip body`,
        !isReadOnly(t.operation),
      ),
    );
  return fc.oneof(
    { weight: 4, arbitrary: bodyCase },
    { weight: 2, arbitrary: targetCase },
    { weight: 1, arbitrary: methodCase },
    { weight: 1, arbitrary: gzipCase },
  );
}

function make(
  target: string,
  queryCompatible: boolean,
  method: string,
  headers: Record<string, string>,
  body: string | Uint8Array,
  label: string,
  mutating: boolean,
): HostileRequest {
  return withPreview({
    protocol: queryCompatible ? "queryCompatibleJson" : "awsJson",
    method,
    path: "/",
    headers: { ...headers, "x-amz-target": target },
    body,
    label,
    mustRefuse: "no",
    mutating,
  });
}
