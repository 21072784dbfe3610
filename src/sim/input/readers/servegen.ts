import { basename, dirname } from "node:path";
import { assembleTrace } from "../assemble.js";
import { checkArrivalBudget, selectBusiest } from "../select.js";
import { readText } from "../text.js";
import type { ResolvedTraceOptions, Trace } from "../trace.js";
import { expandClient } from "./servegen-expand.js";
import { expectedRequests, parseClientWindows } from "./servegen-windows.js";

export const chunkFilePattern = /^chunk-(\d+)-trace\.csv$/;

/**
 * ServeGen per-client rate traces. Each chunk-<client>-trace.csv is one stream, named
 * "<group folder>/chunk-<client>". Columns 5 and 6 are the numpy/scipy shape k and scale θ (Gamma:
 * mean kθ, CV 1/√k, which matches column 3; Weibull: mean θ·Γ(1 + 1/k)). The fitted mean often
 * disagrees with column 2, so arrivals keep the fitted shape and are scaled to the stated rate.
 */
export async function readServeGen(files: string[], source: string, options: ResolvedTraceOptions): Promise<Trace> {
  const clients = await Promise.all(
    files.map(async (file) => {
      const client = Number(chunkFilePattern.exec(basename(file))?.[1]);
      const group = basename(dirname(file));
      return parseClientWindows(await readText(file), file, { id: `${group}/chunk-${client}`, group, client });
    }),
  );
  const traceEnd = Math.max(0, ...clients.map((c) => (c.ends.length > 0 ? c.ends[c.ends.length - 1] : 0)));
  if (options.startS >= traceEnd) {
    throw new RangeError(`${source}: the window starts at ${options.startS} s but the trace ends at ${traceEnd} s; pick an earlier startS`);
  }
  const endS = Math.min(options.endS, traceEnd);
  const expected = clients.map((c) => expectedRequests(c, options.startS, endS, options.rateScale));
  const { keep, dropped } = selectBusiest(expected, options.maxStreams);
  checkArrivalBudget(
    source,
    keep.reduce((sum, i) => sum + expected[i], 0),
    options,
  );
  const notes: string[] = [];
  const withoutFit = clients.reduce((sum, c) => sum + c.rateWithoutFit, 0);
  if (withoutFit > 0) notes.push(`${withoutFit} windows have a rate but no fitted distribution; they are replayed as Poisson`);
  const streams = keep.map((i) => {
    const c = clients[i];
    return {
      id: c.id,
      arrivals: expandClient(c, options.startS, endS, options.rateScale, options.seed, files[i]),
      attributes: { group: c.group, client: c.client, expectedRequests: Math.round(expected[i]) },
    };
  });
  return assembleTrace({ format: "servegen", source, streams, windowS: endS - options.startS, options, dropped, notes });
}
