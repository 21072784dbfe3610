import { pathSigningName } from "../auth/access.js";
import { resolvedCredentials, type ServerFlags } from "./clients.js";
import { CliError, failureText } from "./failures.js";
import { signedFetch } from "./signed-fetch.js";

/** A signed GET of one of Berth's own routes (`/berth/v1/…`, `/metrics`); a refusal becomes a CliError with the server's message. */
export async function berthRequest(flags: ServerFlags, path: string, init: RequestInit = {}): Promise<Response> {
  const credentials = await resolvedCredentials(flags.url, flags.dataDir);
  const response = await signedFetch(`${flags.url.replace(/\/$/, "")}${path}`, init, {
    credentials,
    region: process.env.AWS_REGION ?? "us-east-1",
    service: pathSigningName,
  });
  if (response.ok) return response;
  const error = (await response.json().catch(() => ({}))) as { __type?: string; message?: string };
  throw Object.assign(new Error(error.message ?? response.statusText), {
    name: error.__type ?? `HTTP ${response.status}`,
    $metadata: { httpStatusCode: response.status },
  });
}

/** GET one of Berth's own views as JSON; a refusal or an unreachable server ends the command with what to do. */
export async function getBerthView(flags: ServerFlags, path: string): Promise<unknown> {
  try {
    return await (await berthRequest(flags, path)).json();
  } catch (error) {
    const text = failureText(error, flags.url);
    if (text === undefined) throw error;
    process.stderr.write(`${text}\n`);
    process.exit(error instanceof CliError ? error.exitCode : 1);
  }
}
