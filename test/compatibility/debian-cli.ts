import { cpSync, existsSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { awsCli, awsCliJson, type CliResult } from "../support/aws-cli.js";
import { tempDir } from "../support/temp-dir.js";

/**
 * The services whose models the CLI takes from the shared ones: its bundled models predate inference
 * components. CloudWatch keeps its bundled (awsQuery) model: the shared one speaks smithy-rpc-v2-cbor,
 * which the CLI's botocore cannot serialise.
 */
const newerModels = ["sagemaker", "sagemaker-runtime", "application-autoscaling"];

/**
 * `../shared/spec/service-models` beside the project: plain JSON with paginators and waiters, as this CLI needs. Berth's
 * shapes come from the newer, gzipped models in spec/service-models, which this CLI's botocore cannot read.
 */
const sharedModels = process.env.BERTH_SERVICE_MODELS_DIR ?? fileURLToPath(new URL("../../../../shared/spec/service-models", import.meta.url));

/**
 * A data path (AWS_DATA_PATH) laid out <service>/<api-version>/service-2.json, paginators and waiters,
 * which botocore's loader reads before its bundled models.
 */
function newerModelsDataPath(): string {
  const dataPath = tempDir("berth-aws-models-");
  for (const service of newerModels) {
    const from = join(sharedModels, service);
    if (!existsSync(from))
      throw new Error(`${from} is missing: the CLI tests need the shared service models (set BERTH_SERVICE_MODELS_DIR if they live elsewhere)`);
    cpSync(from, join(dataPath, service), { recursive: true });
  }
  return dataPath;
}

/** Debian's CLI aimed at one Berth server, as a user runs it: the newer models loaded, no retry settings. */
export interface AwsCli {
  /** Runs `aws <args> --endpoint-url <server> --output json`; never throws for a non-zero exit. */
  run(args: string[]): Promise<CliResult>;
  /** Runs the CLI and parses its JSON output, failing with its stderr when it exits non-zero. */
  json(args: string[]): Promise<any>;
}

export function newerModelsCli(url: string): AwsCli {
  const env = { AWS_DATA_PATH: newerModelsDataPath(), AWS_MAX_ATTEMPTS: undefined };
  return { run: (args) => awsCli(url, args, env), json: (args) => awsCliJson(url, args, env) };
}
