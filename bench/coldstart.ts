// Cold start: time from a request's arrival at an inference component with zero copies to its first
// response byte, for berth/echo, berth/llm and a user's own container (examples/container, run by podman). Berth holds the request, wakes the component and
// answers once a copy is ready. Then the same from an http artifact: downloaded at every start, found in the
// host's disk cache (page cache warm and dropped), in its memory tier, and with the stopped copy's engine parked
// (bench/coldstart-artifacts.ts).
// Run: npm run bench:coldstart
import { mkdirSync, writeFileSync } from "node:fs";
import { performance } from "node:perf_hooks";
import { ApplicationAutoScalingClient } from "@aws-sdk/client-application-auto-scaling";
import { DescribeInferenceComponentCommand, UpdateInferenceComponentRuntimeConfigCommand } from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import { credentials, startBerth, type BerthProcess } from "../test/support/berth-process.js";
import { registerCopyRange } from "../test/support/autoscaling.js";
import { buildExampleImage } from "../test/support/container-images.js";
import { createContainerComponent } from "../test/support/container-models.js";
import { createComponent, createIcEndpoint, echoComponent } from "../test/support/fixtures.js";
import { measureArtifactColdStarts, type Round, type WeightsSource } from "./coldstart-artifacts.js";
import { markdownTable } from "./support/table.js";

const rounds = Number(process.env.BERTH_BENCH_ROUNDS ?? 5);
const llmTarget = 2000;

async function copiesOf(berth: BerthProcess, name: string): Promise<number> {
  const d = await berth.sagemaker.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }));
  return d.RuntimeConfig!.CurrentCopyCount!;
}

async function scaleToZero(berth: BerthProcess, name: string): Promise<void> {
  await berth.sagemaker.send(new UpdateInferenceComponentRuntimeConfigCommand({ InferenceComponentName: name, DesiredRuntimeConfig: { CopyCount: 0 } }));
  const deadline = Date.now() + 30_000;
  while ((await copiesOf(berth, name)) > 0) {
    if (Date.now() > deadline) throw new Error(`${name} did not reach zero copies`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  // Let the stopped copy's process exit and the routing table settle, so the next request meets zero copies.
  await new Promise((resolve) => setTimeout(resolve, 500));
}

async function firstByte(berth: BerthProcess, endpoint: string, name: string, llm: boolean): Promise<number> {
  const started = performance.now();
  if (llm) {
    const body = new TextEncoder().encode(JSON.stringify({ inputs: "def fib(n):", parameters: { max_new_tokens: 8 } }));
    const response = await berth.runtime.send(
      new InvokeEndpointWithResponseStreamCommand({ EndpointName: endpoint, InferenceComponentName: name, Body: body, ContentType: "application/json" }),
    );
    for await (const event of response.Body!) if (event.PayloadPart) break;
  } else {
    await berth.runtime.send(
      new InvokeEndpointCommand({
        EndpointName: endpoint,
        InferenceComponentName: name,
        Body: new TextEncoder().encode("{}"),
        ContentType: "application/json",
      }),
    );
  }
  return performance.now() - started;
}

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { min: sorted[0]!, p50: at(0.5), max: sorted[sorted.length - 1]! };
}

async function allowWake(berth: BerthProcess, names: string[]): Promise<void> {
  const aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials });
  for (const name of names) await registerCopyRange(aas, name, 0, 1);
}

const round: Round = { scaleToZero, firstByte, allowWake };
const lines: string[] = [];
const berth = await startBerth();
try {
  const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
  const echo = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "cold-echo", accelerators: 0, cpu: 0.5, memory: 256 }));
  const llm = await createComponent(berth.sagemaker, echoComponent(endpoint, { name: "cold-llm", image: "berth/llm", accelerators: 1, cpu: 1, memory: 1024 }));
  // A container copy needs podman; without it this row cannot be measured, and the benchmark fails saying so.
  const image = await buildExampleImage("localhost/berth-bench-example:v1", "v1").catch((error: Error) => {
    throw new Error(`cannot measure the container cold start: ${error.message}`);
  });
  const { name: container } = await createContainerComponent(berth.sagemaker, endpoint, { image, name: "cold-container", cpu: 0.5, minMemory: 256 });
  await allowWake(berth, [echo, llm, container]);
  const results: { image: string; samples: number[] }[] = [];
  for (const [image, name, isLlm] of [
    ["berth/echo", echo, false],
    ["berth/llm", llm, true],
    ["own container (podman)", container, false],
  ] as const) {
    const samples: number[] = [];
    for (let i = 0; i < rounds; i++) {
      await scaleToZero(berth, name);
      samples.push(await firstByte(berth, endpoint, name, isLlm));
      process.stderr.write(`${image}: round ${i + 1}/${rounds}: ${samples[samples.length - 1]!.toFixed(0)} ms\n`);
    }
    results.push({ image, samples });
  }
  lines.push(
    "## Cold start: request at zero copies → first response byte",
    "",
    `\`npm run bench:coldstart\`, ${rounds} rounds per image, Node ${process.version}. Each round scales the component to zero, then sends one request (the LLM through InvokeEndpointWithResponseStream, timed to its first PayloadPart).`,
    "",
    "| image | min ms | p50 ms | max ms |",
    "|---|---:|---:|---:|",
    ...results.map((r) => {
      const s = stats(r.samples);
      return `| ${r.image} | ${s.min.toFixed(0)} | ${s.p50.toFixed(0)} | ${s.max.toFixed(0)} |`;
    }),
    "",
  );
  const llmP50 = stats(results[1]!.samples).p50;
  lines.push(`- ${llmP50 < llmTarget ? "PASS" : "FAIL"}  berth/llm cold start p50 ${llmP50.toFixed(0)} ms (target < ${llmTarget} ms)`, "");
} finally {
  await berth.stop();
}

const artifactRows = await measureArtifactColdStarts(rounds, round, (line) => process.stderr.write(`${line}\n`));
lines.push(
  "## Cold start by where the weights are: http, the host's disk cache, host memory",
  "",
  `${rounds} rounds per row, as above. The artifact comes from an http server on 127.0.0.1 (no network in between, so a real object store only widens the gap). http download: a server with \`artifacts.cacheBudgetMb: 0\`, whose copies download the artifact at every start. Disk cache: a second server with the default budget, whose copies find it on disk (one conditional request, answered 304), once with the file in the kernel's page cache as the last start left it, once with it written back and dropped from the page cache before each start (\`sync\`, \`dd iflag=nocache count=0\`), as after memory pressure or on a host that has not read it lately. Host memory: a third server with \`artifacts.memoryBudgetMb: 4096\`, whose copies load it from the tmpfs memory tier. Parked engine: a fourth server with \`artifacts.parkedEnginesMb: 4096\` (both images parkable), where scaling to zero parks the copy's process and the wake takes it over, so no process starts and no model loads; each timed request is sent once the engine is parked, and the run fails unless every wake took one over. The LLM maps its gguf (llama.cpp); the other image reads every byte of its file before answering /ping. "downloads" counts full downloads the origin served during the timed rounds.`,
  "",
);
const p50 = (samples: number[]) => stats(samples).p50;
const cases = [...new Set(artifactRows.map((r) => r.case))];
const rowOf = (name: string, source: WeightsSource) => artifactRows.find((r) => r.case === name && r.source === source)!;
const rows = cases.flatMap((name) =>
  artifactRows
    .filter((r) => r.case === name)
    .map((r) => {
      const s = stats(r.samples);
      const base = rowOf(name, "http download");
      return [r.case, r.source, s.min.toFixed(0), s.p50.toFixed(0), s.max.toFixed(0), String(r.downloads), `${(p50(base.samples) / s.p50).toFixed(2)}x`];
    }),
);
lines.push(
  markdownTable({ head: ["artifact", "weights from", "min ms", "p50 ms", "max ms", "downloads", "speed-up vs download (p50)"], rows, right: [2, 3, 4, 5, 6] }),
  "",
);
for (const name of cases) {
  const download = rowOf(name, "http download");
  const cachedRows = artifactRows.filter((r) => r.case === name && r.source !== "http download");
  if (download.downloads !== rounds || cachedRows.some((r) => r.downloads !== 0)) {
    lines.push(
      `- FAIL  ${name}: cannot measure the cache: expected ${rounds} downloads without it and 0 with it, saw ${download.downloads} and ${cachedRows.map((r) => r.downloads).join(", ")}`,
    );
    process.exitCode = 1;
    continue;
  }
  const warm = rowOf(name, "disk cache, page cache warm");
  const cold = rowOf(name, "disk cache, page cache dropped");
  const memory = rowOf(name, "host memory (tmpfs)");
  const parked = rowOf(name, "parked engine");
  const faster = p50(warm.samples) < p50(download.samples);
  lines.push(
    `- ${faster ? "PASS" : "FAIL"}  ${name}: from the host's disk cache p50 ${p50(warm.samples).toFixed(0)} ms vs downloaded ${p50(download.samples).toFixed(0)} ms (target: faster)`,
    `- INFO  ${name}: from host memory p50 ${p50(memory.samples).toFixed(0)} ms vs disk with the page cache dropped ${p50(cold.samples).toFixed(0)} ms and warm ${p50(warm.samples).toFixed(0)} ms`,
    `- ${p50(parked.samples) < p50(warm.samples) ? "PASS" : "FAIL"}  ${name}: on a parked engine p50 ${p50(parked.samples).toFixed(0)} ms vs a new process from the disk cache ${p50(warm.samples).toFixed(0)} ms (${(p50(warm.samples) / p50(parked.samples)).toFixed(1)}x; target: faster)`,
  );
}
const text = lines.join("\n") + "\n";
process.stdout.write(text);
mkdirSync("bench-results", { recursive: true });
writeFileSync("bench-results/coldstart.md", text);
