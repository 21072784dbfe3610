import { readFileSync } from "node:fs";
import { parseDocument } from "yaml";
import { isImageReference, unpassableVariable } from "../../domain/copy-launch-rules.js";
import { copyLaunchErrors } from "../../domain/errors/copies.js";

/** What `berth deploy -f` applies (README "Deploying from a file"): one endpoint, its models and components. */
export interface AppSpec {
  endpoint: EndpointSpec;
  models: ModelSpec[];
  components: ComponentSpec[];
}

export interface EndpointSpec {
  name: string;
  instanceType: string;
  instanceCount: number;
  variant: string;
  executionRoleArn?: string;
  managedInstanceScaling?: { minInstanceCount: number; maxInstanceCount: number };
  routing?: string;
  prefixAware?: { prefixLength: number; concurrencyThreshold: number };
}

export interface ModelSpec {
  name: string;
  image: string;
  modelDataUrl?: string;
  environment?: Record<string, string>;
}

export interface ComponentSpec {
  name: string;
  model?: string;
  image?: string;
  artifactUrl?: string;
  environment?: Record<string, string>;
  copies: number;
  accelerators?: number;
  cpuCores?: number;
  memoryMiB: number;
  placement?: string;
  startupTimeoutSeconds?: number;
  downloadTimeoutSeconds?: number;
  scaling?: ScalingSpec;
}

export interface ScalingSpec {
  minCopies: number;
  maxCopies: number;
  targetInvocationsPerCopy?: number;
  scaleInCooldownSeconds?: number;
  scaleOutCooldownSeconds?: number;
}

/** A file that cannot be applied; `problems` name each field and what to write there. */
export class AppFileError extends Error {
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file} cannot be applied; nothing was changed:\n${problems.map((p) => `  ${p}`).join("\n")}`);
    this.name = "AppFileError";
  }
}

type Check = (value: unknown, path: string, problems: string[]) => unknown;

interface Field {
  check: Check;
  required?: string;
}

const name: Check = (v, path, problems) => {
  if (typeof v === "string" && /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/.test(v)) return v;
  problems.push(`${path}: must be a name of letters, digits and hyphens (at most 63, starting with a letter or digit), got ${shown(v)}`);
};
const text: Check = (v, path, problems) => {
  if (typeof v === "string" && v !== "") return v;
  problems.push(`${path}: must be a non-empty string, got ${shown(v)}`);
};
const whole =
  (min: number): Check =>
  (v, path, problems) => {
    if (typeof v === "number" && Number.isInteger(v) && v >= min) return v;
    problems.push(`${path}: must be a whole number of at least ${min}, got ${shown(v)}`);
  };
const positive: Check = (v, path, problems) => {
  if (typeof v === "number" && Number.isFinite(v) && v > 0) return v;
  problems.push(`${path}: must be a number above 0, got ${shown(v)}`);
};
const oneOf =
  (...values: string[]): Check =>
  (v, path, problems) => {
    if (typeof v === "string" && values.includes(v)) return v;
    problems.push(`${path}: must be one of ${values.join(", ")}, got ${shown(v)}`);
  };
/** The server refuses a model or component whose image is not an image reference (after creating what comes before it). */
const image: Check = (v, path, problems) => {
  const value = text(v, path, problems);
  if (typeof value !== "string") return undefined;
  if (isImageReference(value)) return value;
  problems.push(copyLaunchErrors.invalidImage(path, value).message);
};
const environment: Check = (v, path, problems) => {
  if (isObject(v) && Object.values(v).every((x) => typeof x === "string" || typeof x === "number" || typeof x === "boolean")) {
    const variables = Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]));
    const unpassable = unpassableVariable(variables);
    if (unpassable === undefined) return variables;
    problems.push(copyLaunchErrors.unpassableEnvironment(path, unpassable).message);
    return undefined;
  }
  problems.push(`${path}: must be a map of variable names to values (e.g. LOG_LEVEL: info), got ${shown(v)}`);
};

function object(fields: Record<string, Field>): Check {
  return (v, path, problems) => {
    if (!isObject(v)) {
      problems.push(`${path}: must be a map of fields (${Object.keys(fields).join(", ")}), got ${shown(v)}`);
      return undefined;
    }
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(v)) {
      if (fields[key]) continue;
      const near = closest(key, Object.keys(fields));
      problems.push(`${path}.${key}: unknown field${near ? `; did you mean ${near}?` : `; known fields: ${Object.keys(fields).join(", ")}`}`);
    }
    for (const [key, field] of Object.entries(fields)) {
      const value = v[key];
      if (value === undefined || value === null) {
        if (field.required) problems.push(`${path}.${key}: required: ${field.required}`);
        continue;
      }
      const checked = field.check(value, `${path}.${key}`, problems);
      if (checked !== undefined) out[key] = checked;
    }
    return out;
  };
}

function list(item: Check): Check {
  return (v, path, problems) => {
    if (!Array.isArray(v)) {
      problems.push(`${path}: must be a list (each entry starting with "- "), got ${shown(v)}`);
      return undefined;
    }
    return v.map((x, i) => item(x, `${path}[${i}]`, problems));
  };
}

const endpointFields = object({
  name: { check: name, required: "the endpoint's name (e.g. name: shop)" },
  instanceType: { check: text, required: "the instance type of the endpoint's instances (e.g. instanceType: ml.g5.12xlarge; see README 'Instance catalog')" },
  instanceCount: { check: whole(1) },
  variant: { check: name },
  executionRoleArn: { check: text },
  managedInstanceScaling: {
    check: object({
      minInstanceCount: { check: whole(0), required: "the fewest instances (e.g. minInstanceCount: 1)" },
      maxInstanceCount: { check: whole(1), required: "the most instances (e.g. maxInstanceCount: 4)" },
    }),
  },
  routing: { check: oneOf("LEAST_OUTSTANDING_REQUESTS", "RANDOM", "PREFIX_AWARE") },
  prefixAware: {
    check: object({
      prefixLength: { check: whole(1), required: "bytes of the body that route a request (e.g. prefixLength: 4096)" },
      concurrencyThreshold: { check: whole(1), required: "requests in flight on a copy before others take its prefixes (e.g. concurrencyThreshold: 8)" },
    }),
  },
});

const modelFields = object({
  name: { check: name, required: "the model's name, which components name in their model: field" },
  image: { check: image, required: "the container image (e.g. image: berth/echo)" },
  modelDataUrl: { check: text },
  environment: { check: environment },
});

const scalingFields = object({
  minCopies: { check: whole(0), required: "the fewest copies autoscaling keeps (0 lets the component scale to zero)" },
  maxCopies: { check: whole(1), required: "the most copies autoscaling makes" },
  targetInvocationsPerCopy: { check: positive },
  scaleInCooldownSeconds: { check: whole(0) },
  scaleOutCooldownSeconds: { check: whole(0) },
});

const componentFields = object({
  name: { check: name, required: "the inference component's name" },
  model: { check: name },
  image: { check: image },
  artifactUrl: { check: text },
  environment: { check: environment },
  copies: { check: whole(0) },
  accelerators: { check: whole(0) },
  cpuCores: { check: positive },
  memoryMiB: { check: whole(1), required: "the memory one copy needs, in MiB (e.g. memoryMiB: 1024)" },
  placement: { check: oneOf("SPREAD", "BINPACK") },
  startupTimeoutSeconds: { check: whole(1) },
  downloadTimeoutSeconds: { check: whole(1) },
  scaling: { check: scalingFields },
});

const fileFields = object({
  endpoint: { check: endpointFields, required: "the endpoint the components run on (name, instanceType, ...)" },
  models: { check: list(modelFields) },
  components: { check: list(componentFields), required: "a list of inference components (each with name, image or model, memoryMiB)" },
});

/** Reads and checks a deploy file; every problem is reported at once, each naming its field. */
export function readAppFile(file: string): AppSpec {
  let source: string;
  try {
    source = readFileSync(file, "utf8");
  } catch (error) {
    throw new AppFileError(file, [`cannot read the file: ${(error as Error).message}`]);
  }
  return parseAppFile(source, file);
}

export function parseAppFile(source: string, file: string): AppSpec {
  const document = parseDocument(source);
  if (document.errors.length > 0)
    throw new AppFileError(
      file,
      document.errors.map(
        (e) =>
          `line ${e.linePos?.[0].line ?? "?"}, column ${e.linePos?.[0].col ?? "?"}: ${e.message.split("\n")[0]!.replace(/ at line \d+, column \d+:?$/, "")} (the file must be YAML or JSON)`,
      ),
    );
  const problems: string[] = [];
  if (document.contents === null) throw new AppFileError(file, ["the file is empty: it needs endpoint: and components: (see README 'Deploying from a file')"]);
  const raw = fileFields(document.toJS(), "(file)", problems) as
    (Partial<AppSpec> & { endpoint?: Partial<EndpointSpec>; components?: Partial<ComponentSpec>[] }) | undefined;
  // An empty file, or one that is a list or a scalar, has no fields to check further.
  if (!raw) throw new AppFileError(file, problems);
  const spec = raw as AppSpec;
  spec.models ??= [];
  if (spec.endpoint) spec.endpoint = { ...({ instanceCount: 1, variant: "AllTraffic" } as const), ...spec.endpoint };
  if (spec.endpoint && (spec.endpoint.routing === "PREFIX_AWARE") !== (spec.endpoint.prefixAware !== undefined))
    problems.push(
      spec.endpoint.prefixAware
        ? "endpoint.prefixAware: applies only with routing: PREFIX_AWARE; set routing: PREFIX_AWARE or remove prefixAware"
        : "endpoint.prefixAware: required with routing: PREFIX_AWARE (prefixLength: bytes of the body, concurrencyThreshold: requests in flight per copy)",
    );
  if (spec.components?.length === 0) problems.push("(file).components: list at least one inference component");
  spec.components = (spec.components ?? []).map((c, i) => crossCheck(c, i, spec.models, problems)).filter((c): c is ComponentSpec => c !== undefined);
  unique(spec.models, "models", problems);
  unique(spec.components, "components", problems);
  if (problems.length > 0)
    throw new AppFileError(
      file,
      problems.map((p) => p.replace(/^\(file\)\./, "")),
    );
  return spec;
}

function crossCheck(c: Partial<ComponentSpec> | undefined, i: number, models: ModelSpec[], problems: string[]): ComponentSpec | undefined {
  if (!c) return undefined;
  const path = `components[${i}]`;
  if ((c.model === undefined) === (c.image === undefined))
    problems.push(`${path}: give either image: (a container image, e.g. berth/echo) or model: (a model's name), not ${c.model ? "both" : "neither"}`);
  if (c.model !== undefined && (c.artifactUrl !== undefined || c.environment !== undefined))
    problems.push(`${path}: artifactUrl and environment belong to the model ${c.model} when the component names one; move them there or use image: instead`);
  if (c.scaling && c.scaling.maxCopies < c.scaling.minCopies)
    problems.push(`${path}.scaling: maxCopies (${c.scaling.maxCopies}) must be at least minCopies (${c.scaling.minCopies})`);
  if (c.model !== undefined && models.length > 0 && !models.some((m) => m.name.toLowerCase() === c.model!.toLowerCase()))
    problems.push(`${path}.model: no model named ${c.model} under models: (known: ${models.map((m) => m.name).join(", ")})`);
  return { copies: 1, ...c } as ComponentSpec;
}

/** SageMaker names are case-insensitive (Shop and shop are one model), so two names that differ only in case collide. */
function unique(entries: { name?: string }[], what: string, problems: string[]): void {
  const seen = new Map<string, string>();
  entries.forEach((e, i) => {
    if (e?.name === undefined) return;
    const key = e.name.toLowerCase();
    const earlier = seen.get(key);
    if (earlier !== undefined)
      problems.push(
        `${what}[${i}].name: ${e.name} appears twice${earlier === e.name ? "" : ` (as ${earlier} too: names are case-insensitive)`}; names must be unique`,
      );
    else seen.set(key, e.name);
  });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function shown(v: unknown): string {
  return v === undefined ? "nothing" : JSON.stringify(v);
}

/** The known field nearest to a misspelt one (edit distance at most 2, or differing in case only). */
function closest(key: string, known: string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const k of known) {
    const d = k.toLowerCase() === key.toLowerCase() ? 0 : distance(key, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best;
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = up;
    }
  }
  return row[b.length]!;
}
