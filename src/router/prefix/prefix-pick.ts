import type { PickOptions } from "../pick.js";
import type { RouteCopy } from "../table.js";
import { BlockTable } from "./block-table.js";
import { hashBytes, hashString, weight, wordsOf } from "./hash.js";

/** A variant's PREFIX_AWARE settings, as the routing table carries them. */
export interface PrefixRouting {
  /** PrefixAwareRoutingConfig.PrefixLength: bytes from the start of the body that decide the copy. */
  prefixLength: number;
  /** PrefixAwareRoutingConfig.ConcurrencyThreshold: in-flight requests on the chosen copy before others take its prefixes. */
  concurrencyThreshold: number;
  /** Berth's block-level matching (tag berth:PrefixMatching=blocks): bytes per block; undefined for SageMaker's exact prefix. */
  blockBytes?: number;
}

/** What prefix routing keeps per copy, on the router's record of the copy's load. */
export interface CopyPrefixState {
  idHash: number;
  /** Blocks the copy served recently (block mode only). */
  blocks?: BlockTable;
}

export interface PrefixLoad {
  inFlight: number;
  prefix?: CopyPrefixState;
}

/** The parts of a request prefix routing reads. */
export interface PrefixRequest {
  body: Uint8Array;
  prefixAwareId?: string;
}

type Spill<L extends PrefixLoad> = (copies: RouteCopy[], loadOf: (copy: RouteCopy) => L, options: PickOptions) => RouteCopy | undefined;

/** The chained hashes of the request being routed: routing is synchronous, so one array serves every request. */
const blockHashes = new Int32Array(Math.ceil(65_536 / 16));

/**
 * PREFIX_AWARE. Exact (SageMaker's): the first PrefixLength bytes of the body, with the PrefixAwareId, pick a
 * copy by rendezvous hashing over the copies that may take the request, so a prefix stays on its copy and adding
 * a copy moves only the prefixes it wins. Blocks (Berth's): the copy with the highest
 * matched blocks / blocks − in flight / ConcurrencyThreshold, rendezvous breaking ties. Either way, once the chosen
 * copy has ConcurrencyThreshold requests in flight, `spill` (least outstanding requests) picks instead.
 */
export function pickByPrefix<L extends PrefixLoad>(
  copies: RouteCopy[],
  loadOf: (copy: RouteCopy) => L,
  options: PickOptions,
  routing: PrefixRouting,
  request: PrefixRequest,
  spill: Spill<L>,
): RouteCopy | undefined {
  const body = request.body;
  const end = Math.min(body.length, routing.prefixLength);
  const seed = request.prefixAwareId === undefined ? 0 : hashString(request.prefixAwareId);
  const blocks = routing.blockBytes === undefined ? 0 : hashBlocks(body, end, routing.blockBytes, seed);
  const key = blocks > 0 ? blockHashes[blocks - 1]! : hashBytes(body, 0, end, seed);
  const threshold = routing.concurrencyThreshold;
  let best: RouteCopy | undefined;
  let bestScore = 0;
  let bestWeight = 0;
  let bestLoad = 0;
  for (let i = 0; i < copies.length; i++) {
    const copy = copies[i]!;
    if (options.exclude?.has(copy.id)) continue;
    const load = loadOf(copy);
    if (load.inFlight >= options.limit) continue;
    const state = (load.prefix ??= { idHash: hashString(copy.id) });
    // Integers: matched/blocks − inFlight/threshold, scaled by blocks × threshold. Exact mode scores every copy 0.
    const score = blocks > 0 ? (state.blocks ? state.blocks.matched(blockHashes, blocks) : 0) * threshold - load.inFlight * blocks : 0;
    const w = weight(key, state.idHash);
    if (best === undefined || score > bestScore || (score === bestScore && w > bestWeight)) {
      best = copy;
      bestScore = score;
      bestWeight = w;
      bestLoad = load.inFlight;
    }
  }
  if (best === undefined) return undefined;
  const chosen = bestLoad < threshold ? best : spill(copies, loadOf, options);
  if (chosen && blocks > 0) {
    const state = (loadOf(chosen).prefix ??= { idHash: hashString(chosen.id) });
    const table = (state.blocks ??= new BlockTable());
    for (let i = 0; i < blocks; i++) table.add(blockHashes[i]!);
  }
  return chosen;
}

/** Fills blockHashes with one hash per whole block of body[0, end), each chained on the one before; returns how many. */
function hashBlocks(body: Uint8Array, end: number, blockBytes: number, seed: number): number {
  const count = Math.min(Math.floor(end / blockBytes), blockHashes.length);
  const words = wordsOf(body);
  let hash = seed;
  for (let i = 0; i < count; i++) {
    hash = hashBytes(body, i * blockBytes, (i + 1) * blockBytes, hash, words);
    blockHashes[i] = hash;
  }
  return count;
}

/** The table's view of a variant's routing: its PREFIX_AWARE settings, with the endpoint's block mode. */
export function prefixRoutingOf(
  config: { RoutingStrategy?: string; PrefixAwareRoutingConfig?: { PrefixLength?: number; ConcurrencyThreshold?: number } } | undefined,
  blocks: { blockBytes: number } | undefined,
): PrefixRouting | undefined {
  const prefix = config?.RoutingStrategy === "PREFIX_AWARE" ? config.PrefixAwareRoutingConfig : undefined;
  if (prefix?.PrefixLength === undefined || prefix.ConcurrencyThreshold === undefined) return undefined;
  return { prefixLength: prefix.PrefixLength, concurrencyThreshold: prefix.ConcurrencyThreshold, blockBytes: blocks?.blockBytes };
}
