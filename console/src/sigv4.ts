/**
 * SigV4 for the console's login, signed in the browser with WebCrypto: the secret key never leaves the page.
 * Only what the login needs: an empty-bodied request, signed headers host and x-amz-date.
 */
const encoder = new TextEncoder();

async function hmac(key: ArrayBuffer | Uint8Array, text: string): Promise<ArrayBuffer> {
  const imported = await crypto.subtle.importKey("raw", key as BufferSource, { name: "HMAC", hash: "SHA-256" }, false, ["sign"]);
  return crypto.subtle.sign("HMAC", imported, encoder.encode(text));
}

async function sha256Hex(text: string): Promise<string> {
  return hex(await crypto.subtle.digest("SHA-256", encoder.encode(text)));
}

function hex(buffer: ArrayBuffer): string {
  return [...new Uint8Array(buffer)].map((b) => b.toString(16).padStart(2, "0")).join("");
}

export interface LoginKey {
  accessKeyId: string;
  secretAccessKey: string;
}

/** The headers that sign `method path` for `host` with the key, for the signing name `service`. */
export async function signedHeaders(key: LoginKey, request: { method: string; host: string; path: string; region: string; service: string; now?: Date }) {
  const amzDate = (request.now ?? new Date())
    .toISOString()
    .replace(/[-:]/g, "")
    .replace(/\.\d{3}/, "");
  const day = amzDate.slice(0, 8);
  const scope = `${day}/${request.region}/${request.service}/aws4_request`;
  const signedHeaderNames = "host;x-amz-date";
  const canonical = [request.method, request.path, "", `host:${request.host}`, `x-amz-date:${amzDate}`, "", signedHeaderNames, await sha256Hex("")].join("\n");
  const toSign = ["AWS4-HMAC-SHA256", amzDate, scope, await sha256Hex(canonical)].join("\n");
  let signingKey = await hmac(encoder.encode(`AWS4${key.secretAccessKey}`), day);
  for (const part of [request.region, request.service, "aws4_request"]) signingKey = await hmac(signingKey, part);
  const signature = hex(await hmac(signingKey, toSign));
  return {
    "x-amz-date": amzDate,
    authorization: `AWS4-HMAC-SHA256 Credential=${key.accessKeyId}/${scope}, SignedHeaders=${signedHeaderNames}, Signature=${signature}`,
  };
}
