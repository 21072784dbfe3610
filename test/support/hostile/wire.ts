import fc from "fast-check";
import { berthFetch } from "../http.js";
import { preview } from "./json-text.js";

/** One request of the suite, as sent on the wire. */
export interface HostileRequest {
  protocol: "awsJson" | "queryCompatibleJson" | "restJson";
  method: string;
  path: string;
  headers: Record<string, string>;
  body?: string | Uint8Array;
  /** What the case is, for counterexamples. */
  label: string;
  /** "shape": the service model forbids it, so the shape check must refuse it (validation-class 4xx). */
  mustRefuse: "shape" | "no";
  /** Whether an accepted request may change stored state (Create*, Update*, Delete*, Put*, ...). */
  mutating: boolean;
  /** Set when the case exercises a fault another part of issue 9 fixes (see awaiting-fixes.ts). */
  awaits?: string;
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}

/** fast-check prints requests through this: bodies can be megabytes. */
export function withPreview(request: Omit<HostileRequest, typeof fc.toStringMethod>): HostileRequest {
  return Object.assign(request, {
    [fc.toStringMethod]: () => {
      const body = request.body === undefined ? "" : typeof request.body === "string" ? preview(request.body) : `<${request.body.length} bytes>`;
      return `${request.label}\n    ${request.method} ${preview(request.path, 200)} ${JSON.stringify(request.headers, (_k, v: unknown) => (typeof v === "string" ? preview(v, 120) : v))}\n    body: ${body}`;
    },
  });
}

/** Sends every request, at most `concurrency` at a time over keep-alive connections, and keeps each answer. */
export async function sendAll(baseUrl: string, requests: HostileRequest[], concurrency: number): Promise<Answer[]> {
  const answers: Answer[] = new Array(requests.length);
  let next = 0;
  const worker = async () => {
    while (next < requests.length) {
      const i = next++;
      answers[i] = await send(baseUrl, requests[i]!);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, requests.length) }, worker));
  return answers;
}

/** Longer than any answer Berth should need; a request still open by then is reported as a hang. */
const answerTimeoutMs = 30_000;

async function send(baseUrl: string, request: HostileRequest): Promise<Answer> {
  try {
    const response = await berthFetch(`${baseUrl}${request.path}`, {
      method: request.method,
      headers: request.headers,
      body: request.method === "GET" || request.method === "HEAD" ? undefined : request.body,
      signal: AbortSignal.timeout(answerTimeoutMs),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  } catch (error) {
    const cause = (error as { cause?: Error }).cause;
    return { status: 0, headers: new Headers(), text: `no answer: ${(error as Error).message}${cause ? ` (${cause.message})` : ""}` };
  }
}

const validationCodes = new Set(["SerializationException", "RequestEntityTooLargeException", "MissingRequiredParameterException"]);

/**
 * What is wrong with an answer, or undefined when it is a well-formed success or error in the
 * protocol's own shape: below 500, an error body with __type and a message, the error code in
 * x-amzn-ErrorType, and x-amzn-query-error for query-compatible services. A request the model forbids
 * must be refused by the shape check itself, not by whatever runs after it.
 */
export function problemWith(request: HostileRequest, answer: Answer): string | undefined {
  if (answer.status === 0) return answer.text;
  if (answer.status >= 500) return `answered ${answer.status}: ${preview(answer.text)}`;
  if (answer.status < 300) {
    if (request.mustRefuse === "shape") return `accepted (${answer.status}) an input the service model forbids: ${preview(answer.text)}`;
    if (request.protocol === "restJson" || request.method === "HEAD") return undefined;
    return isJsonObject(answer.text) ? undefined : `answered ${answer.status} with a body that is not a JSON object: ${preview(answer.text)}`;
  }
  if (request.method === "HEAD") return undefined;
  let body: Record<string, unknown>;
  try {
    body = JSON.parse(answer.text) as Record<string, unknown>;
  } catch {
    return `answered ${answer.status} with an error body that is not JSON: ${preview(answer.text)}`;
  }
  const code = body.__type;
  const message = body.message ?? body.Message;
  if (typeof code !== "string" || code === "") return `answered ${answer.status} without __type: ${preview(answer.text)}`;
  if (typeof message !== "string" || message === "") return `answered ${answer.status} ${code} without a message`;
  if (answer.headers.get("x-amzn-errortype") !== code) return `x-amzn-ErrorType '${answer.headers.get("x-amzn-errortype")}' differs from __type '${code}'`;
  if (request.protocol === "queryCompatibleJson" && !answer.headers.get("x-amzn-query-error")) return `answered ${code} without x-amzn-query-error`;
  if (request.mustRefuse === "shape" && !validationCodes.has(code) && !/validation errors? detected/.test(message)) {
    return `refused an input the service model forbids, but not at the shape check: ${answer.status} ${code}: ${preview(message)}`;
  }
  return undefined;
}

function isJsonObject(text: string): boolean {
  try {
    const value = JSON.parse(text) as unknown;
    return typeof value === "object" && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
