import { createHash } from "node:crypto";
import { lookup as dnsLookup, type LookupAddress } from "node:dns";
import { createWriteStream } from "node:fs";
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import type { LookupFunction } from "node:net";
import { pipeline } from "node:stream/promises";
import { artifactFailures, artifactProblems } from "../domain/errors/artifacts.js";
import { addressRefusal } from "./address-policy.js";
import { ArtifactError } from "./artifact-error.js";
import type { ArtifactUrlPolicy } from "./settings.js";
import { checkRemote, hostOf } from "./url-policy.js";

export interface DownloadOptions {
  policy: ArtifactUrlPolicy;
  maxBytes: number;
  timeoutMs: number;
  /** Validators of the copy already cached: a 304 answer means it is still current. */
  validators?: Validators;
}

export interface Validators {
  etag?: string;
  lastModified?: string;
}

export type DownloadResult = { notModified: true } | { notModified: false; digest: string; bytes: number; validators: Validators };

const maxRedirects = 5;
const redirectStatuses = new Set([301, 302, 303, 307, 308]);

/**
 * Downloads an http(s) artifact into a file, hashing it as it streams. Every hop (redirects are followed
 * here, a few at most) passes the URL policy, and every connection goes to an address the policy allows:
 * the name is resolved once and the socket connects to that checked address.
 */
export async function download(url: string, file: string, options: DownloadOptions): Promise<DownloadResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  let target = new URL(url);
  for (let hop = 0; ; hop++) {
    const verdict = checkRemote(target, options.policy, url);
    if (!verdict.ok) throw new ArtifactError(hop === 0 ? verdict.problem : artifactFailures.redirectRefused(url, verdict.problem), true);
    const response = await get(url, target, options, signal);
    const status = response.statusCode ?? 0;
    if (redirectStatuses.has(status)) {
      response.resume();
      const location = response.headers.location;
      if (!location) throw new ArtifactError(artifactFailures.redirectWithoutLocation(url, status), true);
      if (hop >= maxRedirects) throw new ArtifactError(artifactFailures.tooManyRedirects(url, maxRedirects), true);
      target = new URL(location, target);
      continue;
    }
    if (status === 304 && options.validators) {
      response.resume();
      return { notModified: true };
    }
    if (status !== 200) {
      response.resume();
      throw new ArtifactError(artifactFailures.httpStatus(url, status), status >= 400 && status < 500 && status !== 408 && status !== 429);
    }
    return save(url, response, file, options, signal);
  }
}

async function save(url: string, response: IncomingMessage, file: string, options: DownloadOptions, signal: AbortSignal): Promise<DownloadResult> {
  const declared = Number(response.headers["content-length"]);
  if (declared > options.maxBytes) {
    response.destroy();
    throw new ArtifactError(artifactFailures.downloadTooLarge(url, options.maxBytes), true);
  }
  const hash = createHash("sha256");
  let bytes = 0;
  try {
    await pipeline(
      response,
      async function* (source: AsyncIterable<Buffer>) {
        for await (const chunk of source) {
          bytes += chunk.length;
          if (bytes > options.maxBytes) throw new ArtifactError(artifactFailures.downloadTooLarge(url, options.maxBytes), true);
          hash.update(chunk);
          yield chunk;
        }
      },
      createWriteStream(file, { mode: 0o600 }),
    );
  } catch (error) {
    throw asArtifactError(url, error, signal, options.timeoutMs);
  }
  const etag = header(response, "etag");
  const lastModified = header(response, "last-modified");
  return { notModified: false, digest: hash.digest("hex"), bytes, validators: { etag, lastModified } };
}

function get(url: string, target: URL, options: DownloadOptions, signal: AbortSignal): Promise<IncomingMessage> {
  const refusal: { problem?: string } = {};
  const headers: Record<string, string> = { "user-agent": "berth-artifacts" };
  if (options.validators?.etag) headers["if-none-match"] = options.validators.etag;
  if (options.validators?.lastModified) headers["if-modified-since"] = options.validators.lastModified;
  const send = target.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const request = send(target, { headers, signal, agent: false, lookup: checkedLookup(url, hostOf(target), options.policy, refusal) }, resolve);
    request.once("error", (error) =>
      reject(refusal.problem ? new ArtifactError(refusal.problem, true) : asArtifactError(url, error, signal, options.timeoutMs)),
    );
    request.end();
  });
}

/** Resolves a name once and hands the socket only addresses the policy allows. */
function checkedLookup(url: string, host: string, policy: ArtifactUrlPolicy, refusal: { problem?: string }): LookupFunction {
  return (hostname, lookupOptions, callback) => {
    dnsLookup(hostname, { all: true, family: lookupOptions.family, hints: lookupOptions.hints }, (error, addresses: LookupAddress[]) => {
      if (error) {
        refusal.problem = artifactProblems.noAddress(url, host, error.code ?? error.message);
        return callback(error, "", 0);
      }
      const allowed = addresses.filter((a) => addressRefusal(a.address, policy) === undefined);
      if (allowed.length === 0) {
        const first = addresses[0]!;
        refusal.problem = artifactProblems.addressNotAllowed(url, host, first.address, addressRefusal(first.address, policy)!, policy.allowPrivateNetworks);
        const refused = Object.assign(new Error(refusal.problem), { code: "EACCES" }) as NodeJS.ErrnoException;
        return callback(refused, "", 0);
      }
      if (lookupOptions.all) (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
      else callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}

function asArtifactError(url: string, error: unknown, signal: AbortSignal, timeoutMs: number): ArtifactError {
  if (error instanceof ArtifactError) return error;
  if (signal.aborted) return new ArtifactError(artifactFailures.downloadTimedOut(url, Math.round(timeoutMs / 1000)), false);
  return new ArtifactError(artifactFailures.downloadFailed(url, (error as Error).message), false);
}

function header(response: IncomingMessage, name: string): string | undefined {
  const value = response.headers[name];
  return typeof value === "string" && value !== "" ? value : undefined;
}
