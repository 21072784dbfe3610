import { request } from "node:http";
import { connect, type Socket } from "node:net";
import { jsonServices, pathSigningName } from "../../src/auth/access.js";
import { signedHeaders } from "../../src/cli/signed-fetch.js";
import { credentials } from "./berth-process.js";

/**
 * A raw HTTP request to a running Berth, for what the SDK clients cannot send (malformed bodies, Berth's
 * own REST views, /metrics). Drop-in for fetch; signed with SigV4 by the test administrator key
 * (`credentials`). The signing name follows the request: X-Amz-Target's prefix names the JSON service
 * (sagemaker, application-autoscaling, monitoring); a form body (awsQuery, which Berth serves for CloudWatch)
 * signs as monitoring; the runtime, /berth/v1 and /metrics sign as sagemaker.
 * Bodies other than strings and bytes are sent as UNSIGNED-PAYLOAD.
 */
export async function berthFetch(
  url: string,
  init: RequestInit = {},
  signing: { credentials?: { accessKeyId: string; secretAccessKey: string }; signingDate?: Date } = {},
): Promise<Response> {
  const headers = new Headers(init.headers);
  const target = headers.get("x-amz-target");
  const form = headers.get("content-type")?.startsWith("application/x-www-form-urlencoded");
  const service = target
    ? (jsonServices[target.slice(0, target.indexOf("."))]?.signingName ?? "sagemaker")
    : form
      ? jsonServices.GraniteServiceVersion20100801!.signingName
      : pathSigningName;
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array)) headers.set("x-amz-content-sha256", "UNSIGNED-PAYLOAD");
  const signed = await signedHeaders(
    url,
    { ...init, headers, body: typeof body === "string" || body instanceof Uint8Array ? body : undefined },
    {
      credentials: signing.credentials ?? credentials,
      region: "us-east-1",
      service,
      signingDate: signing.signingDate,
    },
  );
  return fetch(url, { ...init, headers: signed });
}

/** A GET with the path sent exactly as written (fetch would resolve its dot segments first), unsigned. */
export function rawGet(
  url: string,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method: "GET", headers }, (res) => {
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => (body += chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once("error", reject);
    req.end();
  });
}

/** A plain TCP connection to a server: what it answered so far, and whether it closed the connection. */
export function rawConnection(serverUrl: string, written = ""): { socket: Socket; answer: () => string; closed: () => boolean } {
  const url = new URL(serverUrl);
  const socket = connect(Number(url.port), url.hostname);
  let answer = "";
  let closed = false;
  socket.on("data", (data) => (answer += data.toString("latin1")));
  socket.on("error", () => {});
  socket.on("close", () => (closed = true));
  if (written) socket.write(written);
  return { socket, answer: () => answer, closed: () => closed };
}
