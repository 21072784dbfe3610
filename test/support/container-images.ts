import { execFile, execFileSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";

const run = promisify(execFile);

/** The worked example of the README: a SageMaker-style server and the script that builds its image without a registry. */
export const exampleDir = fileURLToPath(new URL("../../../examples/container/", import.meta.url));
const buildScript = `${exampleDir}build.sh`;

/** The test images: the example server, built here with two versions that differ only by MODEL_VERSION. */
export const contractImage = { v1: "localhost/berth-test-contract:v1", v2: "localhost/berth-test-contract:v2" } as const;

/** Fails the test with what to install when podman is missing: these tests skip nothing. */
export function requirePodman(): void {
  try {
    execFileSync("podman", ["--version"], { stdio: "pipe" });
  } catch (error) {
    throw new Error(
      `podman is needed for the container tests and could not be run (${(error as Error).message}). ` +
        `Install it with: apt-get install -y podman runc catatonit`,
    );
  }
}

export async function podman(args: string[], options: { timeoutMs?: number } = {}): Promise<string> {
  try {
    const { stdout } = await run("podman", args, { timeout: options.timeoutMs ?? 120_000, maxBuffer: 64 * 1024 * 1024 });
    return stdout;
  } catch (error) {
    const e = error as Error & { stderr?: string };
    throw new Error(`podman ${args.join(" ")} failed: ${e.stderr?.trim() || e.message}`);
  }
}

const built = new Map<string, Promise<string>>();

/** Builds an image of the example server with examples/container/build.sh, once per test process and image name. */
export function buildExampleImage(image: string, version?: string): Promise<string> {
  let building = built.get(image);
  if (!building) {
    requirePodman();
    // Test files run in parallel processes: one build at a time on the host, and build.sh keeps an image
    // whose inputs did not change, so the image is built once and the others find it.
    building = run("flock", ["--timeout=600", buildLock, "bash", buildScript, image, ...(version ? [version] : [])], { timeout: 900_000 }).then(
      ({ stdout }) => stdout.trim().split("\n").pop()!,
      (error: Error & { stderr?: string }) => {
        throw new Error(`building ${image} with ${buildScript} failed: ${error.stderr?.trim() || error.message}`);
      },
    );
    built.set(image, building);
  }
  return building;
}

/** flock(1) holds it while a build runs: the kernel queues the other builds and frees it when a build dies. */
const buildLock = join(tmpdir(), "berth-test-image-build.lock");

/** Both versions of the test image (localhost/berth-test-contract:v1 and :v2). */
export async function buildContractImages(): Promise<typeof contractImage> {
  await Promise.all([buildExampleImage(contractImage.v1, "v1"), buildExampleImage(contractImage.v2, "v2")]);
  return contractImage;
}

export interface ContainerSummary {
  id: string;
  name: string;
  state: string;
  labels: Record<string, string>;
}

/** Containers, running or not, that carry a label (`key=value`, e.g. `berth.component=<name>`). */
export async function containersLabelled(label: string): Promise<ContainerSummary[]> {
  const out = await podman(["ps", "--all", "--no-trunc", `--filter=label=${label}`, "--format=json"]);
  const list = JSON.parse(out || "[]") as { Id: string; Names: string[]; State: string; Labels: Record<string, string> | null }[];
  return list.map((c) => ({ id: c.Id, name: c.Names[0] ?? "", state: c.State, labels: c.Labels ?? {} }));
}

/** Removes every container that carries a label: a test's cleanup, whatever it left behind. */
export async function removeContainersLabelled(label: string): Promise<void> {
  const ids = (await containersLabelled(label)).map((c) => c.id);
  if (ids.length > 0) await podman(["rm", "--force", "--", ...ids]).catch(() => undefined);
}

/** What `podman inspect` says of a container (the fields the tests read). */
export interface ContainerInspection {
  Id: string;
  Name: string;
  Args: string[];
  Config: { Labels: Record<string, string> | null; Env: string[]; Cmd: string[] | null; Image: string };
  State: { Status: string; Running: boolean; ExitCode: number; Pid: number };
  HostConfig: {
    Init: boolean;
    Memory: number;
    NanoCpus: number;
    CpuQuota: number;
    CpuPeriod: number;
    PortBindings: Record<string, { HostIp: string; HostPort: string }[] | null>;
    SecurityOpt: string[] | null;
    LogConfig?: { Type: string; Path?: string };
  };
  Mounts: { Type: string; Source: string; Destination: string; RW: boolean; Options?: string[] }[];
  ImageName?: string;
}

export async function inspectContainer(idOrName: string): Promise<ContainerInspection> {
  const [first] = JSON.parse(await podman(["container", "inspect", "--", idOrName])) as ContainerInspection[];
  if (!first) throw new Error(`podman inspect ${idOrName} returned nothing`);
  return first;
}

/** The container environment as a map (from inspect's KEY=VALUE list). */
export function envOf(inspection: ContainerInspection): Record<string, string> {
  const out: Record<string, string> = {};
  for (const entry of inspection.Config.Env) {
    const eq = entry.indexOf("=");
    out[entry.slice(0, eq)] = entry.slice(eq + 1);
  }
  return out;
}

export async function imageExists(image: string): Promise<boolean> {
  try {
    await run("podman", ["image", "exists", "--", image]);
    return true;
  } catch {
    return false;
  }
}

export async function removeImage(image: string): Promise<void> {
  await podman(["rmi", "--force", "--", image]).catch(() => undefined);
}

/** Processes (pids) whose argv matches, e.g. the podman clients a server started for its copies. */
export function processesMatching(predicate: (argv: string[]) => boolean): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync("/proc")) {
    const pid = Number(entry);
    if (!Number.isInteger(pid) || pid <= 0 || pid === process.pid) continue;
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0").filter(Boolean);
      if (predicate(argv)) pids.push(pid);
    } catch {
      // Gone meanwhile.
    }
  }
  return pids;
}
