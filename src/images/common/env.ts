/** What every Berth model server reads from its environment (the SageMaker container contract plus Berth's ids). */
export interface ContainerEnv {
  port: number;
  copyId: string;
  modelDir: string | undefined;
}

export function readContainerEnv(env: NodeJS.ProcessEnv = process.env): ContainerEnv {
  return {
    port: readInteger(env, "SAGEMAKER_BIND_TO_PORT", 8080),
    copyId: env.BERTH_COPY_ID || "local",
    modelDir: env.BERTH_MODEL_DIR || undefined,
  };
}

/** A non-negative integer from the environment; a malformed value stops the server at start, naming the variable. */
export function readInteger(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === "") return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0) {
    throw new Error(`${name} must be a non-negative integer, got ${JSON.stringify(raw)}`);
  }
  return value;
}
