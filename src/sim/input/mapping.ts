import { PortfolioError, type PortfolioIssue } from "./errors.js";
import { listSome } from "./portfolio/suggest.js";
import type { ExplicitStreams, Portfolio } from "./portfolio/types.js";
import { Rng, shuffle } from "./prng.js";
import type { Trace } from "./trace.js";

export interface ModelStreams {
  model: string;
  /** Indices into trace.streams, busiest first for byRank, in draw order for random, as listed for explicit. */
  streams: number[];
  requests: number;
}

export interface StreamAssignment {
  strategy: Portfolio["mapping"]["strategy"];
  /** One entry per portfolio model, in the portfolio's order. */
  models: ModelStreams[];
  /** Per trace stream: index of its model in models, or -1 when it is dropped. */
  modelOfStream: Int32Array;
  unmapped: { streams: number; requests: number };
  /** Models that got no stream (more models than streams). */
  idleModels: string[];
}

const minPrefix = 6;

/** Decides which trace streams feed which model; the same trace and portfolio always give the same answer. */
export function mapStreams(trace: Pick<Trace, "streams" | "source">, portfolio: Pick<Portfolio, "models" | "mapping" | "file">): StreamAssignment {
  const names = portfolio.models.map((m) => m.name);
  const spec = portfolio.mapping;
  let groups: number[][];
  if (spec.strategy === "explicit") groups = explicitGroups(trace, portfolio.file, names, spec.streams);
  else {
    const order = spec.strategy === "byRank" ? byRank(trace) : shuffle(byId(trace), new Rng(spec.seed, "mapping"));
    groups = names.map((_, m) => order.slice(m * spec.streamsPerModel, (m + 1) * spec.streamsPerModel));
  }
  const modelOfStream = new Int32Array(trace.streams.length).fill(-1);
  groups.forEach((streams, m) => streams.forEach((s) => (modelOfStream[s] = m)));
  let unmappedStreams = 0;
  let unmappedRequests = 0;
  modelOfStream.forEach((m, s) => {
    if (m !== -1) return;
    unmappedStreams++;
    unmappedRequests += trace.streams[s].stats.count;
  });
  const models = groups.map((streams, m) => ({ model: names[m], streams, requests: streams.reduce((sum, s) => sum + trace.streams[s].stats.count, 0) }));
  return {
    strategy: spec.strategy,
    models,
    modelOfStream,
    unmapped: { streams: unmappedStreams, requests: unmappedRequests },
    idleModels: models.filter((m) => m.streams.length === 0).map((m) => m.model),
  };
}

/** Busiest first; equal counts by id, so the order never depends on how the reader listed streams. */
function byRank(trace: Pick<Trace, "streams">): number[] {
  const s = trace.streams;
  return s.map((_, i) => i).sort((a, b) => s[b].stats.count - s[a].stats.count || compareIds(s[a].id, s[b].id));
}

function byId(trace: Pick<Trace, "streams">): number[] {
  return trace.streams.map((_, i) => i).sort((a, b) => compareIds(trace.streams[a].id, trace.streams[b].id));
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function explicitGroups(trace: Pick<Trace, "streams" | "source">, file: string, names: string[], lists: ExplicitStreams[]): number[][] {
  const ids = trace.streams.map((s) => s.id);
  const exact = new Map(ids.map((id, i) => [id, i]));
  const groups = names.map(() => [] as number[]);
  const taken = new Map<number, string>();
  const issues: PortfolioIssue[] = [];
  for (const list of lists) {
    list.ids.forEach((id, k) => {
      const issue = (message: string) => issues.push({ file, line: list.lines[k], path: `mapping.explicit.${list.model}`, message });
      let index = exact.get(id);
      if (index === undefined && id.length >= minPrefix) {
        const matches = ids.flatMap((candidate, i) => (candidate.startsWith(id) ? [i] : []));
        if (matches.length > 1)
          return issue(
            `'${id}' is the start of ${matches.length} stream ids (${listSome(
              matches.map((i) => ids[i]),
              id,
              3,
            )}); write more of it`,
          );
        index = matches[0];
      }
      if (index === undefined) return issue(`the trace ${trace.source} has no stream '${id}'; its streams are ${listSome(ids, id)}`);
      const other = taken.get(index);
      if (other !== undefined && other !== list.model) return issue(`stream '${ids[index]}' is already mapped to '${other}'; a stream feeds one model`);
      taken.set(index, list.model);
      groups[names.indexOf(list.model)].push(index);
    });
  }
  if (issues.length > 0) throw new PortfolioError(issues);
  return groups;
}
