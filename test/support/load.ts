import type { SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";
import { copyOf, invoke } from "./invoke.js";

export interface LoadSample {
  at: number;
  copy?: string;
  error?: string;
}

/** Steady sequential traffic from a few workers until stopped; bounded by maxMs. */
export function steadyLoad(
  runtime: SageMakerRuntimeClient,
  endpoint: string,
  component: string | undefined,
  options: { workers?: number; maxMs?: number; body?: string; customAttributes?: string } = {},
) {
  const samples: LoadSample[] = [];
  let stopped = false;
  const deadline = Date.now() + (options.maxMs ?? 60_000);
  const worker = async () => {
    while (!stopped && Date.now() < deadline) {
      try {
        const answer = await invoke(runtime, endpoint, component, options.body ?? "{}", options.customAttributes);
        samples.push({ at: Date.now(), copy: copyOf(answer.customAttributes) });
      } catch (error) {
        samples.push({ at: Date.now(), error: `${(error as Error).name}: ${(error as Error).message}` });
      }
    }
  };
  const running = Promise.all(Array.from({ length: options.workers ?? 2 }, worker));
  return {
    samples,
    stop: async () => {
      stopped = true;
      await running;
      return samples;
    },
  };
}
