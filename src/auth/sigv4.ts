import * as crypto from "node:crypto";
import { createHash, createHmac, timingSafeEqual } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { Hash } from "@smithy/hash-node";
import { ALGORITHM_IDENTIFIER, EVENT_ALGORITHM_IDENTIFIER, getCanonicalHeaders, getSigningKey, SignatureV4, UNSIGNED_PAYLOAD } from "@smithy/signature-v4";
import type { HttpRequest } from "@smithy/types";
import { authErrors } from "../domain/errors/auth.js";
import { splitAwsChunks } from "./chunked.js";
import { checkTrailerChecksum } from "./trailer-checksum.js";
import { plainCanonicalPrefix } from "./canonical-request.js";
import type { ActiveKey, KeyRing } from "./key-ring.js";

const sha256 = Hash.bind(null, "sha256");
const emptyHash = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
const streamingSigned = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const streamingUnsignedTrailer = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";
const maxPresignedSeconds = 7 * 24 * 3600;
const maxCachedSigningKeys = 1024;

/** @smithy/signature-v4's canonicalisation, opened up so the server can recompute a received request's signature. */
class ExpectedSignature extends SignatureV4 {
  constructor() {
    super({ service: "unused", region: "unused", credentials: { accessKeyId: "unused", secretAccessKey: "unused" }, sha256 });
  }

  canonicalRequest(request: HttpRequest, canonicalHeaders: Record<string, string>, payloadHash: string): string {
    return this.createCanonicalRequest(request, canonicalHeaders, payloadHash);
  }
}

/**
 * SigV4's string to sign, hashed with node:crypto at once: @smithy's async Hash cost two promise hops and
 * two byte-array copies per request on the router's hot path, for the same bytes.
 */
function stringToSign(longDate: string, scope: string, canonicalRequest: string): string {
  return `${ALGORITHM_IDENTIFIER}\n${longDate}\n${scope}\n${sha256Hex(canonicalRequest)}`;
}

/** One-shot hashing (Node 20.12 and later) costs about half of what a Hash object does for the short inputs SigV4 hashes. */
const sha256Hex: (data: string | Buffer) => string =
  typeof crypto.hash === "function" ? (data) => crypto.hash("sha256", data, "hex") : (data) => createHash("sha256").update(data).digest("hex");

interface SignatureParts {
  presigned: boolean;
  accessKeyId: string;
  scopeDate: string;
  region: string;
  service: string;
  longDate: string;
  /** longDate in milliseconds since the epoch. */
  signedAt: number;
  signedHeaders: string[];
  signature: string;
  query: Record<string, string | string[]>;
}

/** A request whose key, date and headers passed; the signature is settled once the body is known. */
export interface PendingVerification {
  key: ActiveKey;
  /** Verifies the body against the signature and returns the payload the client sent (aws-chunked decoded). */
  body(raw: Buffer): Promise<Buffer>;
}

export interface VerifierOptions {
  now: () => number;
  /** How far a header-signed request's X-Amz-Date may be from the server's clock (AWS: 5 minutes). */
  clockSkewSeconds: number;
}

/** Verifies SigV4 requests (Authorization header or presigned query) against the key ring. */
export class SigV4Verifier {
  readonly #keys: KeyRing;
  readonly #options: VerifierOptions;
  readonly #signer = new ExpectedSignature();
  readonly #signingKeys = new Map<string, Uint8Array>();

  constructor(keys: KeyRing, options: VerifierOptions) {
    this.#keys = keys;
    this.#options = options;
    keys.onReload(() => this.#signingKeys.clear());
  }

  async begin(req: IncomingMessage, signingName: string): Promise<PendingVerification> {
    const parts = parseSignature(req);
    const key = this.#keys.get(parts.accessKeyId);
    if (!key) throw authErrors.unrecognizedClient();
    this.#checkTime(parts);
    if (parts.service !== signingName) throw authErrors.wrongService(signingName);
    if (parts.scopeDate !== parts.longDate.slice(0, 8)) throw authErrors.scopeDateMismatch(parts.scopeDate, parts.longDate);
    checkSignedHeaders(req, parts);
    const declared = parts.presigned
      ? (single(parts.query["X-Amz-Content-Sha256"]) ?? single(req.headers["x-amz-content-sha256"]))
      : single(req.headers["x-amz-content-sha256"]);
    const prefix = this.#canonicalPrefix(req, parts);
    const scope = `${parts.scopeDate}/${parts.region}/${parts.service}/aws4_request`;
    const cacheKey = `${key.accessKeyId}/${parts.scopeDate}/${parts.region}/${parts.service}`;
    const signingKey = this.#signingKeys.get(cacheKey) ?? (await this.#deriveSigningKey(cacheKey, key, parts));
    const signatureOver = (payloadHash: string) =>
      this.#matches(hmacHex(signingKey, stringToSign(parts.longDate, scope, prefix + payloadHash)), parts.signature);

    if (declared === undefined) {
      return {
        key,
        body: async (raw) => {
          if (signatureOver(raw.length === 0 ? emptyHash : sha256Hex(raw))) return raw;
          if (parts.presigned && signatureOver(UNSIGNED_PAYLOAD)) return raw;
          throw authErrors.signatureMismatch();
        },
      };
    }
    if (declared !== UNSIGNED_PAYLOAD && declared !== streamingSigned && declared !== streamingUnsignedTrailer && !/^[0-9a-f]{64}$/.test(declared))
      throw authErrors.badContentSha256(declared);
    if (!signatureOver(declared)) throw authErrors.signatureMismatch();
    return {
      key,
      body: async (raw) => {
        if (declared === UNSIGNED_PAYLOAD) return raw;
        if (declared === streamingSigned) return this.#signedChunks(raw, parts, scope, signingKey, req);
        if (declared === streamingUnsignedTrailer) return unsignedChunks(raw, req);
        if (sha256Hex(raw) !== declared) throw authErrors.payloadHashMismatch();
        return raw;
      },
    };
  }

  #checkTime(parts: SignatureParts): void {
    const signedAt = parts.signedAt;
    const now = this.#options.now();
    const windowMs = this.#options.clockSkewSeconds * 1000;
    const minutes = Math.round(this.#options.clockSkewSeconds / 60);
    if (signedAt > now + windowMs) throw authErrors.signatureNotYetCurrent(parts.longDate, longDateOf(now + windowMs), longDateOf(now), minutes);
    if (parts.presigned) {
      const expiresText = single(parts.query["X-Amz-Expires"]) ?? "";
      const expires = /^\d{1,6}$/.test(expiresText) ? Number(expiresText) : NaN;
      if (!(expires >= 1 && expires <= maxPresignedSeconds)) throw authErrors.badExpires(expiresText);
      if (now > signedAt + expires * 1000) throw authErrors.presignedExpired(longDateOf(signedAt + expires * 1000), longDateOf(now));
      return;
    }
    if (signedAt < now - windowMs) throw authErrors.signatureExpired(parts.longDate, longDateOf(now - windowMs), longDateOf(now), minutes);
  }

  /** The canonical request without its last line, the payload hash: the same for every hash a request is checked against. */
  #canonicalPrefix(req: IncomingMessage, parts: SignatureParts): string {
    const url = req.url ?? "/";
    if (!parts.presigned && !url.includes("?")) {
      const plain = plainCanonicalPrefix(req, url, parts.signedHeaders);
      if (plain !== undefined) return plain;
    }
    const request = canonicalInput(req, parts);
    const canonicalHeaders = getCanonicalHeaders(request, undefined, new Set(Object.keys(request.headers)));
    return this.#signer.canonicalRequest(request, canonicalHeaders, "");
  }

  #matches(expected: string, provided: string): boolean {
    if (expected.length !== provided.length) return false;
    return timingSafeEqual(Buffer.from(expected, "latin1"), Buffer.from(provided, "latin1"));
  }

  /** Derived keys are cached per (key, date, region, service): four HMACs saved on every request. */
  async #deriveSigningKey(cacheKey: string, key: ActiveKey, parts: SignatureParts): Promise<Uint8Array> {
    const derived = await getSigningKey(
      sha256,
      { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey },
      parts.scopeDate,
      parts.region,
      parts.service,
    );
    if (this.#signingKeys.size >= maxCachedSigningKeys) this.#signingKeys.clear();
    this.#signingKeys.set(cacheKey, derived);
    return derived;
  }

  /** STREAMING-AWS4-HMAC-SHA256-PAYLOAD: each chunk signs its data and the signature before it. */
  async #signedChunks(raw: Buffer, parts: SignatureParts, scope: string, signingKey: Uint8Array, req: IncomingMessage): Promise<Buffer> {
    const { chunks } = splitAwsChunks(raw);
    let previous = parts.signature;
    for (const [index, chunk] of chunks.entries()) {
      if (chunk.signature === undefined) throw authErrors.malformedChunkedBody(`chunk ${index} has no chunk-signature`);
      const stringToSign = [
        EVENT_ALGORITHM_IDENTIFIER,
        parts.longDate,
        scope,
        previous,
        emptyHash,
        chunk.data.length === 0 ? emptyHash : sha256Hex(chunk.data),
      ].join("\n");
      const expected = hmacHex(signingKey, stringToSign);
      if (!this.#matches(expected, chunk.signature)) throw authErrors.chunkSignatureMismatch(index);
      previous = expected;
    }
    return joinChunks(
      chunks.map((c) => c.data),
      req,
    );
  }
}

function unsignedChunks(raw: Buffer, req: IncomingMessage): Buffer {
  const { chunks, trailers } = splitAwsChunks(raw);
  const body = joinChunks(
    chunks.map((c) => c.data),
    req,
  );
  const declaredTrailer = single(req.headers["x-amz-trailer"]);
  if (declaredTrailer) checkTrailerChecksum(body, declaredTrailer.toLowerCase(), trailers.get(declaredTrailer.toLowerCase()));
  return body;
}

function joinChunks(data: Buffer[], req: IncomingMessage): Buffer {
  const body = data.length === 1 ? data[0]! : Buffer.concat(data);
  const decodedLength = single(req.headers["x-amz-decoded-content-length"]);
  if (decodedLength !== undefined && Number(decodedLength) !== body.length) {
    throw authErrors.malformedChunkedBody(`x-amz-decoded-content-length is ${decodedLength} but the chunks hold ${body.length} bytes`);
  }
  return body;
}

function parseSignature(req: IncomingMessage): SignatureParts {
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  const query = queryStart < 0 ? {} : parseQuery(url.slice(queryStart + 1));
  const authorization = req.headers.authorization;
  if (authorization !== undefined) return parseAuthorizationHeader(authorization, single(req.headers["x-amz-date"]), query);
  if (query["X-Amz-Signature"] !== undefined || query["X-Amz-Credential"] !== undefined || query["X-Amz-Algorithm"] !== undefined)
    return parsePresignedQuery(query);
  throw authErrors.missingAuthentication();
}

/**
 * `AWS4-HMAC-SHA256 Credential=…, SignedHeaders=…, Signature=…`, read in place: every request on the
 * router's hot path has one, and a field map, split parts and spread copies were a measurable share of it.
 * A name given twice keeps its last value; names other than these three are ignored.
 */
function parseAuthorizationHeader(header: string, amzDate: string | undefined, query: Record<string, string | string[]>): SignatureParts {
  const space = header.indexOf(" ");
  const algorithm = space < 0 ? header : header.slice(0, space);
  if (algorithm !== ALGORITHM_IDENTIFIER) throw authErrors.unsupportedAlgorithm(algorithm);
  let credential = "";
  let signedHeaders = "";
  let signature = "";
  for (let from = space + 1; from < header.length;) {
    let comma = header.indexOf(",", from);
    if (comma < 0) comma = header.length;
    const equals = header.indexOf("=", from);
    if (equals > from && equals < comma) {
      const name = header.slice(from, equals).trim();
      const value = header.slice(equals + 1, comma).trim();
      if (name === "Credential") credential = value;
      else if (name === "SignedHeaders") signedHeaders = value;
      else if (name === "Signature") signature = value;
    }
    from = comma + 1;
  }
  if (credential === "" || signature === "" || signedHeaders === "") {
    const given: Record<string, string> = { Credential: credential, Signature: signature, SignedHeaders: signedHeaders };
    throw authErrors.missingParameters(Object.keys(given).filter((name) => given[name] === ""));
  }
  if (amzDate === undefined) throw authErrors.missingDate();
  return signatureParts(false, credential, amzDate, signedHeaders, signature, query);
}

function parsePresignedQuery(query: Record<string, string | string[]>): SignatureParts {
  const get = (name: string) => single(query[name]);
  const algorithm = get("X-Amz-Algorithm");
  if (algorithm !== undefined && algorithm !== ALGORITHM_IDENTIFIER) throw authErrors.unsupportedAlgorithm(algorithm);
  const missing = ["X-Amz-Algorithm", "X-Amz-Credential", "X-Amz-Date", "X-Amz-Expires", "X-Amz-SignedHeaders", "X-Amz-Signature"].filter((name) => !get(name));
  if (missing.length > 0) throw authErrors.missingParameters(missing);
  return signatureParts(true, get("X-Amz-Credential")!, get("X-Amz-Date")!, get("X-Amz-SignedHeaders")!, get("X-Amz-Signature")!, query);
}

/** Every request's parts built by one literal, so the code reading them sees one object shape. */
function signatureParts(
  presigned: boolean,
  credential: string,
  longDate: string,
  signedHeaders: string,
  signature: string,
  query: Record<string, string | string[]>,
): SignatureParts {
  const scope = credential.split("/");
  if (scope.length !== 5 || scope[4] !== "aws4_request" || !/^\d{8}$/.test(scope[1]!) || scope.some((p) => p === ""))
    throw authErrors.malformedCredential(credential);
  const signedAt = parseLongDate(longDate);
  if (Number.isNaN(signedAt)) throw authErrors.malformedDate(longDate);
  return {
    presigned,
    accessKeyId: scope[0]!,
    scopeDate: scope[1]!,
    region: scope[2]!,
    service: scope[3]!,
    longDate,
    signedAt,
    signedHeaders: signedHeaders.split(";"),
    signature,
    query,
  };
}

/** Host must be signed, and so must every x-amz-* header sent: an unsigned one could be changed in flight. */
function checkSignedHeaders(req: IncomingMessage, parts: SignatureParts): void {
  if (!parts.signedHeaders.includes("host")) throw authErrors.hostNotSigned();
  let unsigned: string[] | undefined;
  for (const name in req.headers) {
    if (name.startsWith("x-amz-") && !parts.signedHeaders.includes(name)) (unsigned ??= []).push(name);
  }
  if (unsigned) throw authErrors.headersNotSigned(unsigned);
}

/** The received request in @smithy/signature-v4's shape: the signed headers only, the path as sent. */
function canonicalInput(req: IncomingMessage, parts: SignatureParts): HttpRequest {
  const headers: Record<string, string> = {};
  for (const name of parts.signedHeaders) {
    const value = req.headers[name];
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(",") : value;
  }
  const url = req.url ?? "/";
  const queryStart = url.indexOf("?");
  return {
    method: req.method ?? "GET",
    path: queryStart < 0 ? url : url.slice(0, queryStart),
    query: parts.query,
    headers,
    protocol: "http:",
    hostname: "",
  } as HttpRequest;
}

function parseQuery(text: string): Record<string, string | string[]> {
  const query: Record<string, string | string[]> = {};
  for (const pair of text.split("&")) {
    if (pair === "") continue;
    const equals = pair.indexOf("=");
    const name = decode(equals < 0 ? pair : pair.slice(0, equals));
    const value = equals < 0 ? "" : decode(pair.slice(equals + 1));
    const existing = query[name];
    query[name] = existing === undefined ? value : Array.isArray(existing) ? [...existing, value] : [existing, value];
  }
  return query;
}

function decode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** The last X-Amz-Date read: requests signed in the same second, most of them under load, share it. */
let lastLongDate = "";
let lastSignedAt = NaN;

function parseLongDate(value: string): number {
  if (value === lastLongDate) return lastSignedAt;
  const m = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(value);
  let signedAt = m ? Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])) : NaN;
  // Date.UTC rolls a 13th month or a 99th second over into a real date; such a value is no date at all.
  if (!Number.isNaN(signedAt) && longDateOf(signedAt) !== value) signedAt = NaN;
  lastLongDate = value;
  lastSignedAt = signedAt;
  return signedAt;
}

function longDateOf(ms: number): string {
  return new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, "");
}

function hmacHex(key: Uint8Array, text: string): string {
  return createHmac("sha256", key).update(text).digest("hex");
}

function single(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
