/** A generation request in the Hugging Face TGI shape that SageMaker LLM users send. */
export interface GenerateRequest {
  inputs: string;
  maxNewTokens: number;
  /** 0 = greedy. */
  temperature: number;
  /** Set whenever temperature > 0 (drawn when the request gave none), so the answer can report it. */
  seed: number | undefined;
  topP: number | undefined;
  topK: number | undefined;
  /** Non-streaming answers carry `details` only when asked, as TGI does. */
  details: boolean;
}

export const DEFAULT_MAX_NEW_TOKENS = 32;
export const MAX_NEW_TOKENS_CAP = 512;

const EXAMPLE = `{"inputs": "def add(a, b):", "parameters": {"max_new_tokens": 32, "temperature": 0.7, "seed": 1}}`;

export type ParseResult = { ok: true; request: GenerateRequest } | { ok: false; error: string };

export function parseGenerateRequest(body: Buffer, drawSeed: () => number = randomSeed): ParseResult {
  let json: unknown;
  try {
    json = JSON.parse(body.toString("utf8"));
  } catch {
    return fail(`request body is not JSON; send ${EXAMPLE}`);
  }
  if (!isObject(json) || typeof json.inputs !== "string") {
    return fail(`request needs "inputs" as a string; send ${EXAMPLE}`);
  }
  const parameters = json.parameters ?? {};
  if (!isObject(parameters)) return fail(`"parameters" must be an object; send ${EXAMPLE}`);

  const maxNewTokens = numberParam(parameters, { name: "max_new_tokens", integer: true, min: 1 });
  const temperature = numberParam(parameters, { name: "temperature", min: 0 });
  const seed = numberParam(parameters, { name: "seed", integer: true, min: 0, max: 0xffffffff });
  const topP = numberParam(parameters, { name: "top_p", min: 0, max: 1 });
  const topK = numberParam(parameters, { name: "top_k", integer: true, min: 0 });
  for (const value of [maxNewTokens, temperature, seed, topP, topK]) if (typeof value === "string") return fail(value);

  const temp = (temperature as number | undefined) ?? 0;
  return {
    ok: true,
    request: {
      inputs: json.inputs,
      maxNewTokens: Math.min((maxNewTokens as number | undefined) ?? DEFAULT_MAX_NEW_TOKENS, MAX_NEW_TOKENS_CAP),
      temperature: temp,
      seed: temp > 0 ? ((seed as number | undefined) ?? drawSeed()) : undefined,
      topP: topP as number | undefined,
      topK: topK as number | undefined,
      details: parameters.details === true,
    },
  };
}

/** The value, undefined when absent, or an error message (a string) when malformed. */
function numberParam(parameters: Record<string, unknown>, rule: { name: string; integer?: boolean; min: number; max?: number }): number | string | undefined {
  const { name } = rule;
  const value = parameters[name];
  if (value === undefined || value === null) return undefined;
  const kind = rule.integer ? "an integer" : "a number";
  const range = rule.max === undefined ? `>= ${rule.min}` : `between ${rule.min} and ${rule.max}`;
  if (typeof value !== "number" || !Number.isFinite(value) || (rule.integer && !Number.isInteger(value))) {
    return `parameters.${name} must be ${kind} ${range}, got ${JSON.stringify(value)}`;
  }
  if (value < rule.min || (rule.max !== undefined && value > rule.max)) {
    return `parameters.${name} must be ${kind} ${range}, got ${value}`;
  }
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function fail(error: string): ParseResult {
  return { ok: false, error };
}

function randomSeed(): number {
  return Math.floor(Math.random() * 0x100000000);
}
