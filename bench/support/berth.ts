import type { ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeInferenceComponentCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { writeKeys } from "../../src/auth/keys-file.js";
import { administratorPolicy } from "../../src/auth/policy.js";
import { signedHeaders } from "../../src/cli/signed-fetch.js";
import { childPids, spawnNode } from "./cpu.js";
import { freePort, pollUntil } from "./net.js";
import { killPid, onCleanup, stopChild } from "./processes.js";

const binary = fileURLToPath(new URL("../../../bin/berth.js", import.meta.url));
// As in bin/berth.js: the SDK's notice about future Node versions is not for this benchmark's readers.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= "true";
// With auth on, the load generator replays one request signed once: SigV4 accepts a signature for as long as
// its date is within the clock-skew window, which the bench server widens to the hour a run may take.
const credentials = { accessKeyId: "AKIABERTHBENCHADMIN0", secretAccessKey: "berth-bench-administrator-secret-key-0000" };

/** Headers for a raw request to Berth: SigV4-signed when the server checks signatures. */
export type RequestSigner = (
  url: string,
  init: { method: string; headers: Record<string, string>; body?: string | Uint8Array },
) => Promise<Record<string, string>>;

export interface BerthServer {
  url: string;
  pid: number;
  sagemaker: SageMakerClient;
  runtime: SageMakerRuntimeClient;
  autoscaling: ApplicationAutoScalingClient;
  /** Log lines printed so far (warn and above), to show that none come per request. */
  logLines(): number;
  sign: RequestSigner;
  stop(): Promise<void>;
}

/**
 * Starts `berth server` as its own process with an empty data dir. At --log-level warn the server does
 * not print its "url" line (that is an info line), so the port is picked here and readiness is /healthz.
 */
export interface StartBerthOptions {
  /** Node flags, e.g. --cpu-prof. */
  nodeArgs?: string[];
  /** Another build's bin/berth.js (A/B runs). */
  binary?: string;
  /** Pins Berth, and so the copies it starts, to these CPUs (taskset -c), for steadier A/B runs. */
  cpus?: string;
  /** Authentication on, as Berth runs by default (off: --insecure-no-auth, which builds before authentication need). */
  auth?: boolean;
  /** More `berth server` flags, e.g. ["--router-workers", "2"]. */
  args?: string[];
}

/** Berth's own processes: the server and its router workers (not its copies), for its CPU time. */
export function routerPids(berth: BerthServer): number[] {
  return [berth.pid, ...childPids(berth.pid).filter((pid) => commandLine(pid).includes("router-workers/worker.js"))];
}

function commandLine(pid: number): string {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8");
  } catch {
    return "";
  }
}

export async function startBerth(options: StartBerthOptions = {}): Promise<BerthServer> {
  const dataDir = mkdtempSync(join(tmpdir(), "berth-bench-"));
  // The server keeps its copies' files in a sibling of its data dir unless told otherwise.
  const removeDirs = () => {
    for (const dir of [dataDir, `${dataDir}-copies`]) rmSync(dir, { recursive: true, force: true });
  };
  const forgetDirs = onCleanup(removeDirs);
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const args = [
    ...(options.nodeArgs ?? []),
    options.binary ?? binary,
    "server",
    "--port",
    String(port),
    "--data-dir",
    dataDir,
    "--log-format",
    "json",
    "--log-level",
    "warn",
    ...(options.args ?? []),
  ];
  if (options.auth) {
    writeKeys(dataDir, [{ ...credentials, name: "bench", createdAt: new Date().toISOString(), policy: administratorPolicy }]);
    const config = join(dataDir, "bench-config.json");
    writeFileSync(config, JSON.stringify({ auth: { clockSkewSeconds: 3600 } }));
    args.push("--config", config);
  } else {
    args.push("--insecure-no-auth");
  }
  const sign: RequestSigner = options.auth
    ? (target, init) => signedHeaders(target, init, { credentials, region: "us-east-1", service: "sagemaker" })
    : async (_target, init) => init.headers;
  const child = spawnNode(args, { cpus: options.cpus, stdio: ["ignore", "pipe", "pipe"] });
  const forgetChild = onCleanup(() => stopBerth(child, url, sign));
  let lines = 0;
  let output = "";
  const keep = (chunk: Buffer) => {
    const text = chunk.toString("utf8");
    lines += text.split("\n").length - 1;
    output = (output + text).slice(-4000);
  };
  child.stdout!.on("data", keep);
  child.stderr!.on("data", keep);
  await pollUntil(
    async () => {
      if (child.exitCode !== null) throw new Error(`berth server exited with ${child.exitCode}: ${output}`);
      const response = await fetch(`${url}/healthz`);
      await response.arrayBuffer();
      return response.status === 200 ? true : undefined;
    },
    { timeoutMs: 30_000, what: `berth server at ${url} to answer /healthz` },
  ).catch((error: Error) => {
    throw child.exitCode !== null ? new Error(`berth server exited with ${child.exitCode}: ${output}`) : error;
  });
  const clientOptions = { endpoint: url, region: "us-east-1", credentials, maxAttempts: 1 };
  return {
    url,
    pid: child.pid!,
    sagemaker: new SageMakerClient(clientOptions),
    runtime: new SageMakerRuntimeClient(clientOptions),
    autoscaling: new ApplicationAutoScalingClient(clientOptions),
    logLines: () => lines,
    sign,
    stop: async () => {
      forgetChild();
      await stopBerth(child, url, sign);
      forgetDirs();
      removeDirs();
    },
  };
}

/** SIGTERM stops Berth and its copies; if Berth has to be killed instead, its copies are killed after it. */
async function stopBerth(child: ChildProcess, url: string, sign: RequestSigner): Promise<void> {
  const pids = child.exitCode === null ? (await copies(url, sign, AbortSignal.timeout(2_000)).catch(() => [])).map((c) => c.pid) : [];
  const killed = await stopChild(child, "SIGTERM", 20_000);
  if (killed) for (const pid of pids) if (pid) killPid(pid);
}

export interface CopyView {
  copyId: string;
  owner: string;
  phase: string;
  port?: number;
  pid?: number;
}

export async function copies(url: string, sign: RequestSigner, signal?: AbortSignal): Promise<CopyView[]> {
  const target = `${url}/berth/v1/instances`;
  const response = await fetch(target, { signal, headers: await sign(target, { method: "GET", headers: {} }) });
  if (!response.ok) throw new Error(`GET /berth/v1/instances answered ${response.status}`);
  const view = (await response.json()) as { instances: { copies: CopyView[] }[] };
  return view.instances.flatMap((i) => i.copies);
}

/** An endpoint on one ml.g5.12xlarge routing by least outstanding requests. */
export async function createEndpoint(berth: BerthServer, name: string): Promise<void> {
  await berth.sagemaker.send(
    new CreateEndpointConfigCommand({
      EndpointConfigName: `${name}-cfg`,
      ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
      ProductionVariants: [
        {
          VariantName: "AllTraffic",
          InstanceType: "ml.g5.12xlarge",
          InitialInstanceCount: 1,
          RoutingConfig: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" },
        },
      ],
    }),
  );
  await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: name, EndpointConfigName: `${name}-cfg` }));
  await pollUntil(
    async () => {
      const d = await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: name }));
      if (d.EndpointStatus === "Failed") throw new Error(`endpoint ${name} failed: ${d.FailureReason}`);
      return d.EndpointStatus === "InService" ? true : undefined;
    },
    { timeoutMs: 30_000, what: `endpoint ${name} to be InService` },
  );
}

/** Creates a one-copy component and returns its copy once InService (with its port). */
export async function createComponent(
  berth: BerthServer,
  options: { endpoint: string; name: string; image: string; accelerators?: number; cpuCores: number; memoryMiB: number; copies?: number; timeoutMs?: number },
): Promise<CopyView & { port: number }> {
  const wanted = options.copies ?? 1;
  await berth.sagemaker.send(
    new CreateInferenceComponentCommand({
      InferenceComponentName: options.name,
      EndpointName: options.endpoint,
      Specification: {
        Container: { Image: options.image },
        ComputeResourceRequirements: {
          NumberOfAcceleratorDevicesRequired: options.accelerators,
          NumberOfCpuCoresRequired: options.cpuCores,
          MinMemoryRequiredInMb: options.memoryMiB,
        },
      },
      RuntimeConfig: { CopyCount: wanted },
    }),
  );
  let seen = "";
  await pollUntil(
    async () => {
      const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: options.name }));
      if (d.InferenceComponentStatus === "Failed") throw new Error(`component ${options.name} failed: ${d.FailureReason}`);
      seen = `${d.InferenceComponentStatus}, ${d.RuntimeConfig?.CurrentCopyCount} copies`;
      return d.InferenceComponentStatus === "InService" && d.RuntimeConfig?.CurrentCopyCount === wanted ? true : undefined;
    },
    { timeoutMs: options.timeoutMs ?? 60_000, what: `${wanted} copies of inference component ${options.name} to be InService` },
  ).catch((error: Error) => {
    throw new Error(`${error.message} (last seen: ${seen})`);
  });
  const copy = (await copies(berth.url, berth.sign)).find((c) => c.owner === options.name && c.port !== undefined);
  if (!copy?.port) throw new Error(`component ${options.name} is InService but /berth/v1/instances lists no copy with a port`);
  return copy as CopyView & { port: number };
}
