import { pathToFileURL } from "node:url";
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  DeleteEndpointCommand,
  DeleteInferenceComponentCommand,
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  type ProductionVariantRoutingConfig,
  type Tag,
} from "@aws-sdk/client-sagemaker";
import { createComponent, startBerth, type BerthServer } from "./support/berth.js";
import { streamThroughRouter } from "./support/llm.js";
import { pollUntil } from "./support/net.js";
import { cleanUpOnSignals, cleanupAll } from "./support/processes.js";
import { fixed, textTable } from "./support/table.js";

/**
 * npm run bench:router-llm — a shared-prefix LLM workload through Berth's router under each routing mode:
 * `prompts` system prompts of about 1,000 tokens, each request one of them plus a user's short question of its
 * own, sent `concurrency` at a time with InvokeEndpointWithResponseStream to one endpoint whose berth/llm
 * component has `copies` copies. Each copy keeps the tokens of its last 4 prompts (berth/llm's default
 * BERTH_LLM_PREFIX_SEQUENCES), fewer than there are system prompts, so where a prompt lands decides whether its prefix
 * is cached. Prompts stay within berth/llm's default context of 1,024 tokens (Berth refuses BERTH_* variables for a
 * process copy, so the benchmark cannot raise it). Per mode: time
 * to first token p50/p99 (to the first PayloadPart) and the cache hit rate, the copies' reused prompt tokens over
 * all prompt tokens (from each answer's details). Every mode runs on a fresh endpoint with the same requests in
 * the same order. A mode Berth refuses is reported as not available and the run fails.
 */
export interface RouterLlmOptions {
  copies: number;
  requests: number;
  prompts: number;
  concurrency: number;
  maxNewTokens: number;
}

export const defaultRouterLlmOptions: RouterLlmOptions = { copies: 3, requests: 100, prompts: 8, concurrency: 3, maxNewTokens: 8 };

interface Mode {
  name: string;
  routing: ProductionVariantRoutingConfig;
  tags?: Tag[];
}

// PrefixLength covers the system prompt's first bytes only, so the users' questions do not split a prefix.
const prefixAware = { RoutingStrategy: "PREFIX_AWARE" as const, PrefixAwareRoutingConfig: { PrefixLength: 2048, ConcurrencyThreshold: 2 } };
const modes: Mode[] = [
  { name: "LEAST_OUTSTANDING_REQUESTS", routing: { RoutingStrategy: "LEAST_OUTSTANDING_REQUESTS" } },
  { name: "RANDOM", routing: { RoutingStrategy: "RANDOM" } },
  { name: "PREFIX_AWARE", routing: prefixAware },
  { name: "PREFIX_AWARE + blocks", routing: prefixAware, tags: [{ Key: "berth:PrefixMatching", Value: "blocks" }] },
];

export interface ModeResult {
  mode: string;
  /** Why Berth refused the mode; then no figures. */
  unavailable?: string;
  ttftP50Ms?: number;
  ttftP99Ms?: number;
  promptTokens?: number;
  reusedTokens?: number;
  wallS?: number;
}

const log = (line: string) => console.error(`[bench:router-llm] ${line}`);

export async function runRouterLlmBenchmark(overrides: Partial<RouterLlmOptions> = {}): Promise<{ text: string; results: ModeResult[]; ok: boolean }> {
  const options = { ...defaultRouterLlmOptions, ...overrides };
  cleanUpOnSignals();
  try {
    log(`starting berth server; ${options.requests} requests per mode, ${options.prompts} system prompts, ${options.copies} berth/llm copies`);
    const berth = await startBerth();
    const bodies = workload(options);
    const results: ModeResult[] = [];
    for (const [i, mode] of modes.entries()) results.push(await runMode(berth, `bench-llm-${i}`, mode, bodies, options));
    await berth.stop();
    const ok = results.every((r) => r.unavailable === undefined);
    return { text: report(results, options), results, ok };
  } finally {
    await cleanupAll();
  }
}

/** The requests, the same for every mode: system prompt i % prompts, shuffled with a fixed seed, each with its own question. */
function workload(options: RouterLlmOptions): string[] {
  const systems = Array.from({ length: options.prompts }, (_, p) => systemPrompt(p));
  const order = Array.from({ length: options.requests }, (_, i) => i);
  let seed = 12345;
  for (let i = order.length - 1; i > 0; i--) {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order.map((i) => {
    const inputs = `${systems[i % options.prompts]}\n# User ${i}: how do I sort the ${i}th list of records by key ${i % 7}?\n`;
    return JSON.stringify({ inputs, parameters: { max_new_tokens: options.maxNewTokens } });
  });
}

/** About 900 tokens of code-review instructions (the context must hold them, a question and the answer), different from the first line on for each p. */
function systemPrompt(p: number): string {
  const lines = [`# Team ${p} assistant. You review Python code for team ${p}.`];
  for (let rule = 1; lines.join("\n").length < 2900; rule++) {
    lines.push(`# Rule ${p}.${rule}: functions named check_${p}_${rule} must validate their input and return a value of type Result${rule % 5}.`);
  }
  return lines.join("\n");
}

async function runMode(berth: BerthServer, endpoint: string, mode: Mode, bodies: string[], options: RouterLlmOptions): Promise<ModeResult> {
  log(`${mode.name}: creating endpoint ${endpoint} with ${options.copies} berth/llm copies`);
  try {
    await berth.sagemaker.send(
      new CreateEndpointConfigCommand({
        EndpointConfigName: `${endpoint}-cfg`,
        ExecutionRoleArn: "arn:aws:iam::000000000000:role/berth",
        ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1, RoutingConfig: mode.routing }],
        ...(mode.tags && { Tags: mode.tags }),
      }),
    );
  } catch (error) {
    const reason = `CreateEndpointConfig refused it: ${(error as Error).name}: ${(error as Error).message}`;
    log(`${mode.name}: NOT AVAILABLE in this build (${reason})`);
    return { mode: mode.name, unavailable: reason };
  }
  const stored = await berth.sagemaker.send(new DescribeEndpointConfigCommand({ EndpointConfigName: `${endpoint}-cfg` }));
  const strategy = stored.ProductionVariants?.[0]?.RoutingConfig?.RoutingStrategy;
  if (strategy !== mode.routing.RoutingStrategy) {
    const reason = `DescribeEndpointConfig says RoutingStrategy ${strategy ?? "(none)"}, not ${mode.routing.RoutingStrategy}`;
    log(`${mode.name}: NOT AVAILABLE in this build (${reason})`);
    return { mode: mode.name, unavailable: reason };
  }
  await berth.sagemaker.send(new CreateEndpointCommand({ EndpointName: endpoint, EndpointConfigName: `${endpoint}-cfg` }));
  await pollUntil(
    async () => ((await berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint }))).EndpointStatus === "InService" ? true : undefined),
    { timeoutMs: 30_000, what: `endpoint ${endpoint} to be InService` },
  );
  const component = `${endpoint}-llm`;
  await createComponent(berth, {
    endpoint,
    name: component,
    image: "berth/llm",
    accelerators: 1,
    cpuCores: 1,
    memoryMiB: 1024,
    copies: options.copies,
    timeoutMs: 120_000,
  });

  const ttfts: number[] = [];
  let promptTokens = 0;
  let reusedTokens = 0;
  let next = 0;
  const started = performance.now();
  const client = async () => {
    for (let i = next++; i < bodies.length; i = next++) {
      const timing = await streamThroughRouter(berth.runtime, endpoint, component, bodies[i]);
      const details = (JSON.parse(timing.final ?? "{}") as { details?: { prompt_tokens?: number; prefix_tokens_reused?: number } }).details;
      if (details?.prompt_tokens === undefined || details.prefix_tokens_reused === undefined)
        throw new Error(`request ${i}: the stream's last line carries no prompt_tokens / prefix_tokens_reused: ${timing.final}`);
      ttfts.push(timing.ttftMs);
      promptTokens += details.prompt_tokens;
      reusedTokens += details.prefix_tokens_reused;
      if (ttfts.length % 20 === 0 || ttfts.length === bodies.length) {
        log(`${mode.name}: ${ttfts.length}/${bodies.length} requests, hit rate so far ${fixed((100 * reusedTokens) / promptTokens, 1)}%`);
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, client));
  const wallS = (performance.now() - started) / 1000;
  await berth.sagemaker.send(new DeleteInferenceComponentCommand({ InferenceComponentName: component }));
  await berth.sagemaker.send(new DeleteEndpointCommand({ EndpointName: endpoint }));
  // The next mode's copies need the devices and cores these hold.
  await pollUntil(
    () =>
      berth.sagemaker.send(new DescribeEndpointCommand({ EndpointName: endpoint })).then(
        () => undefined,
        () => true,
      ),
    { timeoutMs: 60_000, what: `endpoint ${endpoint} to be deleted` },
  );
  ttfts.sort((a, b) => a - b);
  return { mode: mode.name, ttftP50Ms: quantile(ttfts, 0.5), ttftP99Ms: quantile(ttfts, 0.99), promptTokens, reusedTokens, wallS };
}

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!;
}

function report(results: ModeResult[], options: RouterLlmOptions): string {
  const lor = results[0];
  const rows = results.map((r) =>
    r.unavailable !== undefined
      ? [r.mode, "not available", "", "", "", "", ""]
      : [
          r.mode,
          fixed(r.ttftP50Ms, 1),
          fixed(r.ttftP99Ms, 1),
          lor?.ttftP50Ms ? `${fixed(r.ttftP50Ms! / lor.ttftP50Ms, 2)}×` : "",
          `${fixed((100 * r.reusedTokens!) / r.promptTokens!, 1)}%`,
          String(Math.round(r.promptTokens! / options.requests)),
          `${fixed(r.wallS, 1)} s`,
        ],
  );
  const table = textTable({
    right: [1, 2, 3, 4, 5, 6],
    head: ["routing", "TTFT p50 ms", "TTFT p99 ms", "p50 vs LOR", "cache hit rate", "prompt tokens/req", "wall"],
    rows,
  });
  const setup =
    `LLM row: ${options.requests} streamed requests per mode (InvokeEndpointWithResponseStream, ${options.concurrency} at a time), ` +
    `${options.prompts} system prompts, ${options.copies} berth/llm copies each keeping its last 4 prompts' tokens, ${options.maxNewTokens} new tokens each. ` +
    `Cache hit rate = prompt tokens the copies reused / prompt tokens.`;
  const missing = results.filter((r) => r.unavailable !== undefined).map((r) => r.mode);
  const reasons = results.flatMap((r) => (r.unavailable === undefined ? [] : [`  ${r.mode}: ${r.unavailable}`]));
  const verdict = missing.length === 0 ? "" : `\nFAILED: ${missing.join(", ")} not available in this build, so not measured:\n${reasons.join("\n")}`;
  return `${setup}\n${table}${verdict}`;
}

function parseArgs(argv: string[]): Partial<RouterLlmOptions> {
  const options: Partial<RouterLlmOptions> = {};
  const names: Record<string, keyof RouterLlmOptions> = {
    "--copies": "copies",
    "--requests": "requests",
    "--prompts": "prompts",
    "--concurrency": "concurrency",
    "--max-new-tokens": "maxNewTokens",
  };
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i]!;
    const key = names[flag];
    const value = Number(argv[++i]);
    if (key === undefined || !Number.isInteger(value) || value < 1)
      throw new Error(`unknown flag or bad value: ${flag} ${argv[i] ?? ""}; flags (whole numbers ≥ 1): ${Object.keys(names).join(", ")}`);
    options[key] = value;
  }
  return options;
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href) {
  try {
    const { text, ok } = await runRouterLlmBenchmark(parseArgs(process.argv.slice(2)));
    console.log(text);
    if (!ok) process.exitCode = 1;
  } catch (error) {
    console.error(`router LLM benchmark failed: ${(error as Error).stack ?? String(error)}`);
    process.exitCode = 1;
  }
}
