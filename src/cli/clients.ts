import type { Command } from "commander";
import { SageMakerClient } from "@aws-sdk/client-sagemaker";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { administratorKeyName, readKeys, type StoredKey } from "../auth/keys-file.js";
import type { SigningCredentials } from "./signed-fetch.js";

/** Stands in when no key is found: accepted only by a server started with --insecure-no-auth. */
const anonymousCredentials = { accessKeyId: "BERTHNOKEYFOUND00000", secretAccessKey: "no-key-found-in-the-environment-or-data-dir" };

export const defaultDataDir = process.env.BERTH_DATA_DIR ?? "./berth-data";

/**
 * The key the CLI signs with: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or AWS_PROFILE when set (the SDK's
 * own chain), else the administrator key in the data dir's credentials file (same machine, same user).
 */
export function cliCredentials(dataDir = defaultDataDir): SigningCredentials | undefined {
  if ((process.env.AWS_ACCESS_KEY_ID && process.env.AWS_SECRET_ACCESS_KEY) || process.env.AWS_PROFILE) return undefined;
  let keys: StoredKey[];
  try {
    keys = readKeys(dataDir);
  } catch {
    keys = [];
  }
  const key = keys.find((k) => k.name === administratorKeyName) ?? keys[0];
  return key ? { accessKeyId: key.accessKeyId, secretAccessKey: key.secretAccessKey } : anonymousCredentials;
}

function clientOptions(url: string, from?: string | SigningCredentials) {
  const credentials = typeof from === "object" ? from : cliCredentials(from);
  return { endpoint: url, region: process.env.AWS_REGION ?? "us-east-1", ...(credentials ? { credentials } : {}) };
}

/** A client signing with the given key, or with the one cliCredentials finds for the data dir. */
export function sageMakerClient(url: string, from?: string | SigningCredentials): SageMakerClient {
  return new SageMakerClient(clientOptions(url, from));
}

export function runtimeClient(url: string, from?: string | SigningCredentials): SageMakerRuntimeClient {
  return new SageMakerRuntimeClient(clientOptions(url, from));
}

/** The credentials a client built here signs with, resolved through the SDK's chain when they come from the environment. */
export async function resolvedCredentials(url: string, dataDir?: string): Promise<SigningCredentials> {
  return sageMakerClient(url, dataDir).config.credentials();
}

export const defaultUrl = process.env.BERTH_URL ?? "http://127.0.0.1:8080";

/** What to tell a user whose request was refused for its key. */
export function credentialsHint(errorName: string): string | undefined {
  if (!["UnrecognizedClientException", "MissingAuthenticationTokenException", "InvalidSignatureException"].includes(errorName)) return undefined;
  return "berth: the server refused the key. On the server's machine the CLI reads <dataDir>/credentials.json (pass --data-dir if it is not ./berth-data); elsewhere export AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from 'berth keys create'.";
}

export interface ServerFlags {
  url: string;
  dataDir: string;
}

/** --url and --data-dir, as every command that talks to a server takes them. */
export function withServerFlags(command: Command): Command {
  return command
    .option("--url <url>", "Berth server URL (env BERTH_URL)", defaultUrl)
    .option(
      "--data-dir <dir>",
      "the server's data dir, whose credentials.json holds the key used unless AWS_ACCESS_KEY_ID or AWS_PROFILE is set (env BERTH_DATA_DIR)",
      defaultDataDir,
    );
}
