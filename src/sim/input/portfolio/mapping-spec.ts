import type { Fields } from "./fields.js";
import { didYouMean, listSome } from "./suggest.js";
import type { ExplicitStreams, MappingSpec } from "./types.js";

const strategies = ["byRank", "random", "explicit"];

/** mapping: { byRank: { streamsPerModel? } } | { random: { seed?, streamsPerModel? } } | { explicit: { model: [ids] } } */
export function readMapping(f: Fields, value: unknown, modelNames: readonly string[], defaultSeed: number): MappingSpec | undefined {
  if (value === undefined) return { strategy: "byRank", streamsPerModel: 1 };
  const m = f.mapping(["mapping"], value, strategies);
  if (!m) return undefined;
  const given = strategies.filter((s) => m[s] !== undefined);
  if (given.length !== 1)
    return f.fail(["mapping"], `needs exactly one of byRank, random or explicit, found ${given.length === 0 ? "none" : given.join(" and ")}`);
  const strategy = given[0];
  if (strategy === "explicit") return readExplicit(f, m.explicit, modelNames);
  const path = ["mapping", strategy];
  const options = m[strategy] === null ? {} : f.mapping(path, m[strategy], strategy === "random" ? ["streamsPerModel", "seed"] : ["streamsPerModel"]);
  if (!options) return undefined;
  const streamsPerModel = options.streamsPerModel === undefined ? 1 : f.number([...path, "streamsPerModel"], options.streamsPerModel, { whole: true, min: 1 });
  if (streamsPerModel === undefined) return undefined;
  if (strategy === "byRank") return { strategy, streamsPerModel };
  const seed = options.seed === undefined ? defaultSeed : f.number([...path, "seed"], options.seed, { whole: true });
  return seed === undefined ? undefined : { strategy: "random", streamsPerModel, seed };
}

function readExplicit(f: Fields, value: unknown, modelNames: readonly string[]): MappingSpec | undefined {
  const path = ["mapping", "explicit"];
  if (typeof value !== "object" || value === null || Array.isArray(value)) return f.fail(path, "must be a mapping from model name to a list of stream ids");
  const streams: ExplicitStreams[] = [];
  const owner = new Map<string, string>();
  for (const [model, raw] of Object.entries(value as Record<string, unknown>)) {
    if (!modelNames.includes(model)) {
      const guess = didYouMean(model, modelNames);
      f.fail([...path, model], `no model is named '${model}'${guess ? ` — did you mean '${guess}'?` : ""}; the models are ${listSome(modelNames)}`);
      continue;
    }
    const list = typeof raw === "string" ? [raw] : raw;
    if (!Array.isArray(list) || list.length === 0) {
      f.fail([...path, model], "must be a stream id or a non-empty list of stream ids");
      continue;
    }
    const entry: ExplicitStreams = { model, ids: [], lines: [] };
    list.forEach((id, k) => {
      const at = typeof raw === "string" ? [...path, model] : [...path, model, k];
      const text = typeof id === "number" ? String(id) : f.string(at, id);
      if (text === undefined) return;
      const previous = owner.get(text);
      if (previous !== undefined) f.fail(at, `stream '${text}' is already mapped to '${previous}'; a stream feeds one model`);
      owner.set(text, model);
      entry.ids.push(text);
      entry.lines.push(f.lineOf(at));
    });
    streams.push(entry);
  }
  return { strategy: "explicit", streams };
}
