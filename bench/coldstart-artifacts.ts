// The warm artifact cache, measured: first response at zero copies when the copy's artifact comes over http
// (a server started with artifacts.cacheBudgetMb 0, which downloads it at every start) against the same
// artifact found in the host's cache (the default budget). Both servers and the origin run in the same run.
import { createHash, randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startOrigin } from "../test/support/artifact-origin.js";
import { startBerth, type BerthProcess } from "../test/support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../test/support/fixtures.js";
import { defaultModelLocation } from "../src/images/llm/default-model.js";

export interface Round {
  scaleToZero(berth: BerthProcess, name: string): Promise<void>;
  firstByte(berth: BerthProcess, endpoint: string, name: string, llm: boolean): Promise<number>;
  allowWake(berth: BerthProcess, names: string[]): Promise<void>;
}

export interface ArtifactRow {
  case: string;
  source: "http download" | "host cache";
  samples: number[];
  /** Full downloads the origin served for this case's component during the timed rounds. */
  downloads: number;
}

const echoArtifactMiB = 256;

/** Two servers (no cache, default cache) against one loopback origin serving the LLM's gguf and a 256 MiB file. */
export async function measureArtifactColdStarts(rounds: number, round: Round, log: (line: string) => void): Promise<ArtifactRow[]> {
  const work = mkdtempSync(join(tmpdir(), "berth-bench-artifacts-"));
  const files: Record<string, string> = { "/model.gguf": defaultModelLocation().modelPath, "/weights.bin": join(work, "weights.bin") };
  writeFileSync(files["/weights.bin"]!, randomBytes(echoArtifactMiB * 1024 * 1024));
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
  const rows: ArtifactRow[] = [];
  try {
    for (const [source, cacheBudgetMb] of [
      ["http download", 0],
      ["host cache", 20_480],
    ] as const) {
      const berth = await startBerth({ config: { artifacts: { allowedHosts: ["127.0.0.1"], allowPrivateNetworks: true, cacheBudgetMb } } });
      try {
        const endpoint = await createIcEndpoint(berth.sagemaker, { instanceType: "ml.g5.12xlarge" });
        const llm = echoComponent(endpoint, { name: "http-llm", image: "berth/llm", accelerators: 1, cpu: 1, memory: 1024 });
        llm.Specification!.Container!.ArtifactUrl = `${origin.url}/model.gguf`;
        const echo = echoComponent(endpoint, { name: "http-echo", accelerators: 0, cpu: 0.5, memory: 256 });
        echo.Specification!.Container!.ArtifactUrl = `${origin.url}/weights.bin`;
        const cases = [
          [`berth/llm, ${(statSync(files["/model.gguf"]!).size / 1e6).toFixed(0)} MB gguf`, await createComponent(berth.sagemaker, llm), "/model.gguf", true],
          [`berth/echo, ${echoArtifactMiB} MiB file`, await createComponent(berth.sagemaker, echo), "/weights.bin", false],
        ] as const;
        await round.allowWake(
          berth,
          cases.map((c) => c[1]),
        );
        for (const [label, name, path, isLlm] of cases) {
          const before = downloads.get(path) ?? 0;
          const samples: number[] = [];
          for (let i = 0; i < rounds; i++) {
            await round.scaleToZero(berth, name);
            samples.push(await round.firstByte(berth, endpoint, name, isLlm));
            log(`${label} from ${source}: round ${i + 1}/${rounds}: ${samples[samples.length - 1]!.toFixed(0)} ms`);
          }
          rows.push({ case: label, source, samples, downloads: (downloads.get(path) ?? 0) - before });
        }
      } finally {
        await berth.stop();
      }
    }
  } finally {
    await origin.close();
  }
  return rows;
}
