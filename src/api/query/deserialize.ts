import { queryErrors } from "../../domain/errors/query.js";
import type { ServiceModel, Shape } from "../shapes/service-model.js";
import { wireTypes } from "../shapes/validate.js";

/** One dotted segment of the form's parameter names: `MetricData.member.1.Value` is four levels deep. */
interface ParamNode {
  value?: string;
  children?: Map<string, ParamNode>;
}

/**
 * Turns awsQuery form parameters into the input the JSON protocol would carry for the same call, led by the
 * model's shapes: structures as `A.B`, lists as `A.member.N` (`A.N` when flattened, `A=` for an empty list),
 * maps as `A.entry.N.key`/`.value`, numbers and booleans parsed to their JSON types. The result then goes
 * through the same validation as a JSON body; only what JSON cannot tell apart (types) is checked here.
 */
export function fromQueryParams(model: ServiceModel, shapeName: string, params: URLSearchParams, skip: string[]): Record<string, unknown> {
  const root: ParamNode = {};
  for (const [name, value] of params) {
    if (skip.includes(name)) continue;
    let node = root;
    for (const part of name.split(".")) {
      node.children ??= new Map();
      let child = node.children.get(part);
      if (!child) node.children.set(part, (child = {}));
      node = child;
    }
    node.value = value;
  }
  return new QueryDecoder(model).decode(shapeName, root, "") as Record<string, unknown>;
}

class QueryDecoder {
  readonly #model: ServiceModel;

  constructor(model: ServiceModel) {
    this.#model = model;
  }

  decode(shapeName: string, node: ParamNode, path: string): unknown {
    const shape = this.#model.shapes[shapeName];
    if (!shape) throw new Error(`shape ${shapeName} is not in the generated model`);
    switch (shape.type) {
      case "structure":
        return this.#structure(shape, node, path);
      case "list":
        return this.#list(shape, node, path);
      case "map":
        return this.#map(shape, node, path);
      default:
        return scalar(shape, node, path);
    }
  }

  #structure(shape: Shape, node: ParamNode, path: string): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const key = ref.locationName ?? name;
      const child = node.children?.get(key);
      if (child) out[name] = this.decode(ref.shape, child, join(path, key));
    }
    return out;
  }

  #list(shape: Shape, node: ParamNode, path: string): unknown[] {
    const memberName = shape.member!.locationName ?? "member";
    const items = shape.flattened ? node : node.children?.get(memberName);
    if (!items) {
      // botocore sends an empty list as the bare name with an empty value.
      if (node.value === "" && !node.children) return [];
      throw queryErrors.malformedParameter(path, `a list is given as ${path}.${shape.flattened ? "" : `${memberName}.`}N, N counting from 1`);
    }
    const itemPath = shape.flattened ? path : `${path}.${memberName}`;
    return indexed(items, itemPath).map(([index, item]) => this.decode(shape.member!.shape, item, `${itemPath}.${index}`));
  }

  #map(shape: Shape, node: ParamNode, path: string): Record<string, unknown> {
    const entries = shape.flattened ? node : node.children?.get("entry");
    const entryPath = shape.flattened ? path : `${path}.entry`;
    const keyName = shape.key!.locationName ?? "key";
    const valueName = shape.value!.locationName ?? "value";
    if (!entries) {
      if (node.value === "" && !node.children) return {};
      throw queryErrors.malformedParameter(path, `a map is given as ${entryPath}.N.${keyName} and ${entryPath}.N.${valueName}, N counting from 1`);
    }
    const out: Record<string, unknown> = {};
    for (const [index, entry] of indexed(entries, entryPath)) {
      const at = `${entryPath}.${index}`;
      const key = entry.children?.get(keyName)?.value;
      const value = entry.children?.get(valueName);
      if (key === undefined || !value) throw queryErrors.malformedParameter(at, `each map entry needs both ${at}.${keyName} and ${at}.${valueName}`);
      // defineProperty keeps a key such as "__proto__" as data instead of replacing the object's prototype.
      Object.defineProperty(out, key, {
        value: this.decode(shape.value!.shape, value, `${at}.${valueName}`),
        enumerable: true,
        writable: true,
        configurable: true,
      });
    }
    return out;
  }
}

/** The numbered children of a list or map node, in index order. */
function indexed(node: ParamNode, path: string): [string, ParamNode][] {
  const items = [...(node.children ?? [])];
  for (const [index] of items) {
    if (!/^[1-9]\d{0,8}$/.test(index)) throw queryErrors.malformedParameter(`${path}.${index}`, `list and map positions are whole numbers from 1`);
  }
  return items.sort((a, b) => Number(a[0]) - Number(b[0]));
}

const integerText = /^[+-]?\d+$/;
const decimalText = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;

function scalar(shape: Shape, node: ParamNode, path: string): unknown {
  const text = node.value;
  if (text === undefined) throw queryErrors.malformedParameter(path, `it takes a single value, not nested parameters (${path}.…)`);
  switch (shape.type) {
    case "integer":
    case "long":
    case "float":
    case "double": {
      const type = wireTypes[shape.type];
      const number = (shape.type === "integer" || shape.type === "long" ? integerText : decimalText).test(text.trim()) ? Number(text) : NaN;
      if (!type.fits(number)) throw queryErrors.invalidValue(path, text, type.expected);
      return number;
    }
    case "boolean":
      if (text === "true" || text === "false") return text === "true";
      throw queryErrors.invalidValue(path, text, "true or false");
    case "timestamp": {
      const seconds = decimalText.test(text.trim()) ? Number(text) : Date.parse(text) / 1000;
      // A JavaScript Date holds 8.64e12 seconds either side of 1970.
      if (!(Math.abs(seconds) <= 8.64e12)) throw queryErrors.invalidValue(path, text, "an ISO 8601 timestamp such as 2026-01-31T12:00:00Z");
      return text;
    }
    default:
      return text;
  }
}

function join(path: string, member: string): string {
  return path === "" ? member : `${path}.${member}`;
}
