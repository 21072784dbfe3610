export type { Stream, StreamStats, Trace, TraceFormat, TraceOptions, ResolvedTraceOptions, PrefixBlocks, DroppedStreams } from "./trace.js";
export { readTrace, detectTrace, understoodFormats, type TraceLayout } from "./readers/detect.js";
export { ArrivalCursor, mergeArrivals, type MergedArrivals } from "./merge.js";
export { TraceFormatError, PortfolioError, CatalogError, type PortfolioIssue, type TraceLocation } from "./errors.js";
export { loadPortfolio, parsePortfolio, type LoadPortfolioOptions } from "./portfolio.js";
export type * from "./portfolio/types.js";
export { loadCatalog, defaultCatalogDir, type Catalog, type CatalogModel, type CatalogInstance } from "./portfolio/catalog.js";
export { mapStreams, type StreamAssignment, type ModelStreams } from "./mapping.js";
export { Rng } from "./prng.js";
