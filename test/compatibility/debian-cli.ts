import { execFile, spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials } from "../support/berth-process.js";

/** Debian's AWS CLI v2 (package `awscli`); the `aws` first on PATH may be pip's v1. */
export const debianAwsCli = "/usr/bin/aws";

/** The skip reason when Debian's CLI v2 is not installed, else false. */
export const cliMissing =
  existsSync(debianAwsCli) && /^aws-cli\/2\./.test(spawnSync(debianAwsCli, ["--version"], { encoding: "utf8" }).stdout ?? "")
    ? false
    : `Debian's AWS CLI v2 is not installed at ${debianAwsCli} (apt-get install awscli; .ci/run installs it)`;

/**
 * The services whose models the CLI takes from the shared ones: its bundled models predate inference
 * components. CloudWatch keeps its bundled (awsQuery) model: the shared one speaks smithy-rpc-v2-cbor,
 * which the CLI's botocore cannot serialise.
 */
const newerModels = ["sagemaker", "sagemaker-runtime", "application-autoscaling"];

/** `../shared/spec/service-models` beside the project, where scripts/gen-service-shapes.mjs reads them too. */
const sharedModels = process.env.BERTH_SERVICE_MODELS_DIR ?? fileURLToPath(new URL("../../../../shared/spec/service-models", import.meta.url));

/**
 * A data path (AWS_DATA_PATH) laid out <service>/<api-version>/service-2.json, paginators and waiters, as
 * botocore's loader reads it before its bundled models.
 */
function newerModelsDataPath(): string {
  const dataPath = mkdtempSync(join(tmpdir(), "berth-aws-models-"));
  for (const service of newerModels) {
    const from = join(sharedModels, service);
    if (!existsSync(from))
      throw new Error(`${from} is missing: the CLI tests need the shared service models (set BERTH_SERVICE_MODELS_DIR if they live elsewhere)`);
    cpSync(from, join(dataPath, service), { recursive: true });
  }
  return dataPath;
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Debian's CLI aimed at one Berth server, with the test administrator key and no user's ~/.aws. */
export interface AwsCli {
  /** Runs `aws <args> --endpoint-url <server> --output json`; never throws for a non-zero exit. */
  run(args: string[]): Promise<CliResult>;
  /** Runs the CLI and parses its JSON output, failing with its stderr when it exits non-zero. */
  json(args: string[]): Promise<any>;
  /** A file's path in the CLI's own temporary folder (for request bodies and invoke output). */
  file(name: string): string;
}

export function awsCli(url: string, options: { newerModels?: boolean } = { newerModels: true }): AwsCli {
  const home = mkdtempSync(join(tmpdir(), "berth-aws-cli-"));
  writeFileSync(join(home, "config"), "");
  writeFileSync(join(home, "credentials"), "");
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOME: home,
    LANG: "C.UTF-8",
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_DEFAULT_REGION: "us-east-1",
    AWS_CONFIG_FILE: join(home, "config"),
    AWS_SHARED_CREDENTIALS_FILE: join(home, "credentials"),
    AWS_PAGER: "",
    ...(options.newerModels ? { AWS_DATA_PATH: newerModelsDataPath() } : {}),
  };
  const run = (args: string[]) =>
    new Promise<CliResult>((resolve) => {
      execFile(debianAwsCli, [...args, "--endpoint-url", url, "--output", "json"], { env, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
        resolve({ code: error ? (typeof error.code === "number" ? error.code : 1) : 0, stdout, stderr });
      });
    });
  return {
    run,
    json: async (args) => {
      const result = await run(args);
      if (result.code !== 0) throw new Error(`aws ${args.join(" ")} exited ${result.code}: ${result.stderr}`);
      return result.stdout.trim() === "" ? {} : JSON.parse(result.stdout);
    },
    file: (name) => join(home, name),
  };
}
