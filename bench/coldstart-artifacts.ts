// The warm artifact cache, measured: first response at zero copies when the copy's artifact comes over http
// (a server started with artifacts.cacheBudgetMb 0, which downloads it at every start), from the host's disk
// cache (page cache warm, and dropped before each start), and from the host-memory tier
// (artifacts.memoryBudgetMb), and with the stopped copy's engine parked (artifacts.parkedEnginesMb), so no
// process starts at all. All servers and the origin run in the same run.
import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { chmodSync, createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { startOrigin } from "../test/support/artifact-origin.js";
import { startBerth, type BerthProcess } from "../test/support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../test/support/fixtures.js";
import { defaultModelLocation } from "../src/images/llm/default-model.js";

export interface Round {
  scaleToZero(berth: BerthProcess, name: string): Promise<void>;
  firstByte(berth: BerthProcess, endpoint: string, name: string, llm: boolean): Promise<number>;
  allowWake(berth: BerthProcess, names: string[]): Promise<void>;
}

export type WeightsSource = "http download" | "disk cache, page cache warm" | "disk cache, page cache dropped" | "host memory (tmpfs)" | "parked engine";

export interface ArtifactRow {
  case: string;
  source: WeightsSource;
  samples: number[];
  /** Full downloads the origin served for this case's component during the timed rounds. */
  downloads: number;
}

const readerArtifactMiB = 256;
const weightsServer = fileURLToPath(new URL("../../bench/support/weights-server.mjs", import.meta.url));

/** Every file under dir, written back and dropped from the page cache, so the next read comes from the disk. */
function dropPageCache(dir: string): void {
  execFileSync("sync");
  const walk = (path: string): void => {
    if (statSync(path).isDirectory()) readdirSync(path).forEach((name) => walk(join(path, name)));
    else execFileSync("dd", [`if=${path}`, "iflag=nocache", "count=0", "status=none"]);
  };
  walk(dir);
}

/** Servers (no cache; disk cache; disk and memory tiers) against one loopback origin serving the LLM's gguf and a 256 MiB file. */
export async function measureArtifactColdStarts(rounds: number, round: Round, log: (line: string) => void): Promise<ArtifactRow[]> {
  const work = mkdtempSync(join(tmpdir(), "berth-bench-artifacts-"));
  const shm = mkdtempSync(join("/dev/shm", "berth-bench-"));
  chmodSync(shm, 0o755);
  const files: Record<string, string> = { "/model.gguf": defaultModelLocation().modelPath, "/weights.bin": join(work, "weights.bin") };
  writeFileSync(files["/weights.bin"]!, randomBytes(readerArtifactMiB * 1024 * 1024));
  const etags = new Map(Object.entries(files).map(([path, file]) => [path, `"${createHash("sha256").update(readFileSync(file)).digest("hex").slice(0, 16)}"`]));
  const downloads = new Map<string, number>();
  const serve = (req: IncomingMessage, res: ServerResponse) => {
    const path = req.url ?? "";
    if (req.headers["if-none-match"] === etags.get(path)) return res.writeHead(304).end();
    downloads.set(path, (downloads.get(path) ?? 0) + 1);
    res.writeHead(200, { etag: etags.get(path)!, "content-length": statSync(files[path]!).size });
    createReadStream(files[path]!).pipe(res);
  };
  const origin = await startOrigin("127.0.0.1", { "/model.gguf": serve, "/weights.bin": serve });
  const servers: { sources: WeightsSource[]; cacheBudgetMb: number; memoryBudgetMb: number; parkedEnginesMb?: number }[] = [
    { sources: ["http download"], cacheBudgetMb: 0, memoryBudgetMb: 0 },
    { sources: ["disk cache, page cache warm", "disk cache, page cache dropped"], cacheBudgetMb: 20_480, memoryBudgetMb: 0 },
    { sources: ["host memory (tmpfs)"], cacheBudgetMb: 20_480, memoryBudgetMb: 4096 },
    { sources: ["parked engine"], cacheBudgetMb: 20_480, memoryBudgetMb: 0, parkedEnginesMb: 4096 },
  ];
  const running: BerthProcess[] = [];
  const rows = new Map<string, ArtifactRow>();
  try {
    const setups = [];
    for (const { sources, cacheBudgetMb, memoryBudgetMb, parkedEnginesMb = 0 } of servers) {
      const memoryDir = join(shm, "tier");
      const berth = await startBerth({
        config: {
          images: { "bench/weights": { command: [process.execPath, weightsServer], parkable: parkedEnginesMb > 0 } },
          artifacts: { allowedHosts: ["127.0.0.1"], allowPrivateNetworks: true, cacheBudgetMb, memoryBudgetMb, memoryDir, parkedEnginesMb },
        },
      });
      running.push(berth);
      const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
      const llm = echoComponent(endpoint, { name: "http-llm", image: "berth/llm", accelerators: 1, cpu: 1, memory: 1024 });
      llm.Specification!.Container!.ArtifactUrl = `${origin.url}/model.gguf`;
      const reader = echoComponent(endpoint, { name: "http-weights", image: "bench/weights", accelerators: 0, cpu: 0.5, memory: 256 });
      reader.Specification!.Container!.ArtifactUrl = `${origin.url}/weights.bin`;
      const cases = [
        [
          `berth/llm, ${(statSync(files["/model.gguf"]!).size / 1e6).toFixed(0)} MB gguf (mapped)`,
          await createComponent(berth.sagemaker, llm),
          "/model.gguf",
          true,
        ],
        [`a server reading all of a ${readerArtifactMiB} MiB file`, await createComponent(berth.sagemaker, reader), "/weights.bin", false],
      ] as const;
      await round.allowWake(
        berth,
        cases.map((c) => c[1]),
      );
      if (memoryBudgetMb > 0) await waitForEntries(join(memoryDir, "entries"), cases.length);
      setups.push({ berth, endpoint, cases, sources, memoryDir: memoryBudgetMb > 0 ? memoryDir : undefined });
    }
    // Rounds go through every row in turn, so a machine whose load drifts during the run slows every row alike.
    for (let i = 0; i < rounds; i++) {
      for (const { berth, endpoint, cases, sources } of setups) {
        for (const source of sources) {
          for (const [label, name, path, isLlm] of cases) {
            const row = rows.get(`${label}\n${source}`) ?? { case: label, source, samples: [], downloads: 0 };
            rows.set(`${label}\n${source}`, row);
            const before = downloads.get(path) ?? 0;
            const parked = parkedCount(berth);
            await round.scaleToZero(berth, name);
            if (source === "parked engine") await waitForParking(berth, parked);
            if (source === "disk cache, page cache dropped") dropPageCache(join(`${berth.dataDir}-copies`, "artifacts", "entries"));
            row.samples.push(await round.firstByte(berth, endpoint, name, isLlm));
            row.downloads += (downloads.get(path) ?? 0) - before;
            log(`${label} from ${source}: round ${i + 1}/${rounds}: ${row.samples[row.samples.length - 1]!.toFixed(0)} ms`);
          }
        }
      }
    }
    for (const { berth, cases, sources } of setups)
      if (sources.includes("parked engine") && reusedCount(berth) < rounds * cases.length)
        throw new Error(`only ${reusedCount(berth)} of ${rounds * cases.length} wakes took over a parked engine, so the parked rows do not measure it`);
    for (const { cases, memoryDir } of setups)
      if (memoryDir && readdirSync(join(memoryDir, "entries")).length !== cases.length)
        throw new Error("the memory tier lost an entry during the timed rounds, so its rows do not measure it");
  } finally {
    await Promise.all(running.map((berth) => berth.stop()));
    await origin.close();
    rmSync(shm, { recursive: true, force: true });
    rmSync(work, { recursive: true, force: true });
  }
  return [...rows.values()];
}

/** The memory tier copies an entry after the first copy used it from disk; the timed rounds start once both are there. */
async function waitForEntries(dir: string, count: number): Promise<void> {
  const deadline = Date.now() + 60_000;
  const present = () => {
    try {
      return readdirSync(dir).length;
    } catch {
      return 0;
    }
  };
  while (present() < count) {
    if (Date.now() > deadline) throw new Error(`the memory tier at ${dir} did not get the ${count} artifacts within 60 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const logCount = (berth: BerthProcess, part: string) => berth.logs.filter((l) => typeof l.msg === "string" && l.msg.includes(part)).length;
const parkedCount = (berth: BerthProcess) => logCount(berth, "is parked for the next copy");
const reusedCount = (berth: BerthProcess) => logCount(berth, "took over the parked engine");

/** The stopped copy's engine is parked once its copy has drained; the timed request is sent after that. */
async function waitForParking(berth: BerthProcess, before: number): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (parkedCount(berth) <= before) {
    if (Date.now() > deadline) throw new Error("the stopped copy's engine was not parked within 30 s");
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
