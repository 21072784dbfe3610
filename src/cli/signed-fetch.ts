import { Hash } from "@smithy/hash-node";
import { HttpRequest } from "@smithy/protocol-http";
import { SignatureV4 } from "@smithy/signature-v4";

export interface SigningCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SigningOptions {
  credentials: SigningCredentials;
  region: string;
  /** SigV4 signing name: sagemaker, application-autoscaling, monitoring. */
  service: string;
  signingDate?: Date;
}

/** fetch with a SigV4 Authorization header (string or byte bodies), for Berth's REST views and raw requests. */
export async function signedFetch(url: string, init: RequestInit, options: SigningOptions): Promise<Response> {
  return fetch(url, { ...init, headers: await signedHeaders(url, init, options) });
}

export async function signedHeaders(url: string, init: RequestInit, options: SigningOptions): Promise<Record<string, string>> {
  const target = new URL(url);
  const headers: Record<string, string> = { host: target.host };
  new Headers(init.headers).forEach((value, name) => {
    headers[name] = value;
  });
  const query: Record<string, string | string[]> = {};
  target.searchParams.forEach((value, name) => {
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  });
  const body = init.body;
  if (body !== undefined && body !== null && typeof body !== "string" && !(body instanceof Uint8Array))
    throw new Error("signedFetch signs string and byte bodies only");
  const request = new HttpRequest({
    method: init.method ?? "GET",
    protocol: target.protocol,
    hostname: target.hostname,
    port: Number(target.port) || undefined,
    path: target.pathname,
    query,
    headers,
    body: body ?? undefined,
  });
  const signer = new SignatureV4({ credentials: options.credentials, region: options.region, service: options.service, sha256: Hash.bind(null, "sha256") });
  const signed = await signer.sign(request, { signingDate: options.signingDate });
  const out = { ...signed.headers };
  delete out.host;
  return out;
}
