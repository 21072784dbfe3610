import { randomBytes } from "node:crypto";
import { chmodSync, closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { administratorPolicy, checkPolicy, PolicyError, type PolicyDocument } from "./policy.js";

/** One access key as kept in `<dataDir>/credentials.json` (mode 0600). */
export interface StoredKey {
  accessKeyId: string;
  secretAccessKey: string;
  name: string;
  createdAt: string;
  policy: PolicyDocument;
}

export const credentialsFileName = "credentials.json";
export const administratorKeyName = "admin";

export class KeysFileError extends Error {
  override name = "KeysFileError";
}

export function credentialsPath(dataDir: string): string {
  return join(dataDir, credentialsFileName);
}

const keyIdAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Access key ids look like AWS's: AKIA and 16 more upper-case base-32 characters; secrets are 40 characters. */
export function newKey(name: string, policy: PolicyDocument = administratorPolicy, now = new Date()): StoredKey {
  checkKeyName(name);
  const id = [...randomBytes(16)].map((byte) => keyIdAlphabet[byte % 32]).join("");
  return { accessKeyId: `AKIA${id}`, secretAccessKey: randomBytes(30).toString("base64"), name, createdAt: now.toISOString(), policy };
}

export function checkKeyName(name: string): void {
  if (!/^[\w+=,.@-]{1,64}$/.test(name))
    throw new KeysFileError(
      `Key name '${name}' must be 1 to 64 letters, digits or any of _+=,.@- (it becomes the user name in arn:aws:iam::<account>:user/<name>).`,
    );
}

export function readKeys(dataDir: string): StoredKey[] {
  const path = credentialsPath(dataDir);
  if (!existsSync(path)) return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(path, "utf8"));
  } catch (error) {
    throw new KeysFileError(
      `${path} is not valid JSON (${(error as Error).message}). Fix it by hand, or move it away and restart to create a new administrator key.`,
    );
  }
  const keys = (parsed as { keys?: unknown }).keys;
  if (!Array.isArray(keys)) throw new KeysFileError(`${path} must hold {"keys": [...]}.`);
  return keys.map((key, index) => checkStoredKey(key, `${path}: keys[${index}]`));
}

function checkStoredKey(value: unknown, where: string): StoredKey {
  const key = value as Partial<StoredKey>;
  if (typeof key?.accessKeyId !== "string" || !/^[A-Z0-9]{16,128}$/.test(key.accessKeyId))
    throw new KeysFileError(`${where}.accessKeyId must be upper-case letters and digits.`);
  if (typeof key.secretAccessKey !== "string" || key.secretAccessKey.length < 16)
    throw new KeysFileError(`${where}.secretAccessKey must be a string of at least 16 characters.`);
  if (typeof key.name !== "string") throw new KeysFileError(`${where}.name must be a string.`);
  try {
    checkPolicy(key.policy);
  } catch (error) {
    if (error instanceof PolicyError) throw new KeysFileError(`${where}.policy: ${error.message}`);
    throw error;
  }
  return key as StoredKey;
}

/** Replaces the file in one rename, so a running server never reads half of it. */
export function writeKeys(dataDir: string, keys: StoredKey[]): void {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = credentialsPath(dataDir);
  const temporary = `${path}.${process.pid}.tmp`;
  // Written, flushed and renamed, then the directory flushed: a crash or power cut leaves the old file or the new one, never a torn one.
  const file = openSync(temporary, "w", 0o600);
  try {
    writeFileSync(file, JSON.stringify({ keys }, null, 2) + "\n");
    fsyncSync(file);
  } finally {
    closeSync(file);
  }
  chmodSync(temporary, 0o600);
  renameSync(temporary, path);
  const directory = openSync(dataDir, "r");
  try {
    fsyncSync(directory);
  } finally {
    closeSync(directory);
  }
}

/** On first start: creates the file with one administrator key and returns that key (else undefined). */
export function ensureAdministratorKey(dataDir: string): StoredKey | undefined {
  if (existsSync(credentialsPath(dataDir))) {
    chmodSync(credentialsPath(dataDir), 0o600);
    return undefined;
  }
  const key = newKey(administratorKeyName);
  writeKeys(dataDir, [key]);
  return key;
}
