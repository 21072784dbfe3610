import fc from "fast-check";
import { headerText } from "./raw-requests.js";
import { withPreview, type HostileRequest } from "./wire.js";

export interface RuntimeTargets {
  endpoint: string;
  component: string;
}

/** Node refuses request heads over 16 KiB; the suite stays under that, so every request reaches Berth. */
const headBudget = 12_000;

/**
 * SageMaker Runtime requests with hostile paths (percent-encoding, %zz, NUL, dot segments, overlong),
 * X-Amzn-SageMaker-* headers with odd or huge values, odd bodies and methods. Some target the real
 * endpoint and component so the request reaches a model copy.
 */
export function runtimeRequests(targets: RuntimeTargets): fc.Arbitrary<HostileRequest> {
  const endpointSegment = fc.oneof(
    { weight: 4, arbitrary: fc.constant(targets.endpoint) },
    {
      weight: 4,
      arbitrary: fc.constantFrom(
        "missing-endpoint",
        "",
        "%zz",
        "%",
        "%2",
        "%00",
        "a%2Fb",
        "%2e%2e",
        "..",
        ".",
        "a".repeat(64),
        "a".repeat(6000),
        "%E5%90%8D",
        "%ff",
        "a%20b",
        "-x",
        "x-",
        encodeURIComponent(targets.endpoint),
        "%ZZ%zz",
        "a%",
        "%u0041",
      ),
    },
    { weight: 2, arbitrary: fc.string({ unit: "binary", maxLength: 80 }) },
    { weight: 1, arbitrary: fc.string({ unit: "binary", maxLength: 80 }).map(encodeURIComponentSafe) },
  );
  const operation = fc.constantFrom(
    "invocations",
    "invocations",
    "invocations-response-stream",
    "",
    "invocations/extra",
    "INVOCATIONS",
    "invocations%00",
    "%69nvocations",
    "x",
  );
  const query = fc.constantFrom("", "", "?a=b", "?%zz", "?X-Amz-Target=SageMaker.DeleteModel");
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constant("POST") },
    { weight: 1, arbitrary: fc.constantFrom("GET", "PUT", "DELETE", "PATCH", "OPTIONS", "HEAD") },
  );
  const headerValue = fc.oneof(
    headerText(64),
    headerText(3000),
    fc.constantFrom(targets.component, targets.endpoint, "AllTraffic", "", "x".repeat(1025), "%zz", "\u00e9\u00ff"),
  );
  const headerName = fc.constantFrom(
    "x-amzn-sagemaker-inference-component",
    "x-amzn-sagemaker-custom-attributes",
    "x-amzn-sagemaker-target-variant",
    "x-amzn-sagemaker-target-model",
    "x-amzn-sagemaker-accept",
    "x-amzn-sagemaker-session-id",
    "x-amzn-sagemaker-inference-id",
    "x-amzn-sagemaker-enable-explanations",
    "x-amzn-sagemaker-target-container-hostname",
    "accept",
    "content-type",
    "content-encoding",
    "x-amz-target",
  );
  const headers = fc.oneof(
    fc.constant({ "x-amzn-sagemaker-inference-component": targets.component }),
    fc.dictionary(headerName, headerValue, { maxKeys: 4, noNullPrototype: true }),
    fc
      .dictionary(headerName, headerValue, { maxKeys: 4, noNullPrototype: true })
      .map((h) => ({ "x-amzn-sagemaker-inference-component": targets.component, ...h })),
  );
  const body = fc.oneof(
    { weight: 8, arbitrary: fc.constantFrom("", '{"inputs":"hi"}', "\u0000", "not json") },
    { weight: 6, arbitrary: fc.uint8Array({ maxLength: 512 }) },
    { weight: 1, arbitrary: fc.constantFrom(64 * 1024, 6 * 1024 * 1024 + 1).map((n) => new Uint8Array(n).fill(0x61)) },
  );
  return fc
    .record({ endpointSegment, operation, query, method, headers, body })
    .filter(({ endpointSegment, headers }) => endpointSegment.length + Object.values(headers).reduce((n, v) => n + v.length, 0) < headBudget)
    .map(({ endpointSegment, operation, query, method, headers, body }) => {
      const path = `/endpoints/${endpointSegment}/${operation}${query}`;
      return withPreview({
        protocol: "restJson",
        method,
        path,
        headers: { "content-type": "application/json", ...headers },
        body,
        label: `runtime ${method} ${path.slice(0, 120)}`,
        mustRefuse: "no",
        mutating: false,
        awaits: undecodable(path) ? "runtime-percent-decoding" : undefined,
      });
    });
}

function encodeURIComponentSafe(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Whether the endpoint segment, as the server receives it, is not valid percent-encoding. */
function undecodable(path: string): boolean {
  const received = new URL(path, "http://berth.invalid").pathname;
  const segment = received.slice("/endpoints/".length).split("/")[0] ?? "";
  try {
    decodeURIComponent(segment);
    return false;
  } catch {
    return true;
  }
}
