import { readFileSync } from "node:fs";
import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import type { ClusterView } from "../support/cluster.js";
import { berthFetch } from "../support/http.js";
import type { TestHost } from "../support/hosts.js";
import { copyOf, invoke } from "../support/invoke.js";

/** One request of the steady traffic, as its client saw it. */
export interface Outcome {
  via: string;
  startedAt: number;
  endedAt: number;
  /** The copy that answered (the echo image names itself in CustomAttributes). */
  copy?: string;
  error?: string;
}

export interface Traffic {
  outcomes: Outcome[];
  served(): Outcome[];
  failed(): Outcome[];
  /** Stops sending and waits for the requests in flight to end. */
  stop(): Promise<void>;
}

/** One InvokeEndpoint call, as its client saw it. */
export async function sendOne(via: string, runtime: SageMakerRuntimeClient, endpoint: string, component: string): Promise<Outcome> {
  const startedAt = Date.now();
  try {
    const answer = await invoke(runtime, endpoint, component, "steady");
    return { via, startedAt, endedAt: Date.now(), copy: copyOf(answer.customAttributes) };
  } catch (error) {
    return { via, startedAt, endedAt: Date.now(), error: `${(error as Error).name}: ${(error as Error).message}` };
  }
}

/** One client per router sending requests back to back, each waiting for its answer, until stopped. */
export function steadyTraffic(clients: { via: string; runtime: SageMakerRuntimeClient }[], endpoint: string, component: string): Traffic {
  const outcomes: Outcome[] = [];
  let running = true;
  const loops = clients.map(async ({ via, runtime }) => {
    while (running) outcomes.push(await sendOne(via, runtime, endpoint, component));
  });
  return {
    outcomes,
    served: () => outcomes.filter((o) => o.copy !== undefined),
    failed: () => outcomes.filter((o) => o.error !== undefined),
    stop: async () => {
      running = false;
      await Promise.all(loops);
    },
  };
}

export async function clusterView(url: string): Promise<ClusterView> {
  const response = await berthFetch(`${url}/berth/v1/cluster`, { signal: AbortSignal.timeout(5_000) });
  if (!response.ok) throw new Error(`GET /berth/v1/cluster answered ${response.status}: ${await response.text()}`);
  return (await response.json()) as ClusterView;
}

/** The pids of the model copies (berth/echo processes) running inside a test host. */
export async function copyProcessesIn(host: TestHost): Promise<number[]> {
  const pids = await host.pids();
  return pids.filter((pid) => {
    try {
      // A copy runs `…/images/echo/main.js serve`; the agent's start-up check that the copy user can read that file names it too.
      const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
      return argv.some((arg, i) => arg.endsWith("images/echo/main.js") && argv[i + 1] === "serve");
    } catch {
      return false;
    }
  });
}

/** A compact line per outcome, for failure messages and the test log. */
export function describeOutcomes(outcomes: Outcome[], since: number): string {
  return outcomes.map((o) => `${o.via} +${o.startedAt - since}..+${o.endedAt - since} ms ${o.copy ?? o.error}`).join("\n");
}
