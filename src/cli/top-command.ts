import type { Command } from "commander";
import { parseSeconds } from "../sim/duration.js";
import { berthRequest } from "./berth-request.js";
import { withServerFlags, type ServerFlags } from "./clients.js";
import { CliError, exitCodes, runCommand } from "./failures.js";
import { parsePrometheusText, type Sample } from "./prometheus-text.js";
import { table } from "./table.js";

interface TopFlags extends ServerFlags {
  once?: boolean;
  interval: string;
  json?: boolean;
}

/** One component's numbers from one /metrics answer; counters are totals since the server started. */
export interface ComponentLoad {
  endpoint: string;
  component: string;
  readyCopies: number;
  desiredCopies: number;
  inFlight: number;
  held: number;
  requests: number;
  errors: number;
  latency: Histogram;
  overhead: Histogram;
}

/** Cumulative bucket counts by upper bound (seconds), as Prometheus histograms expose them. */
type Histogram = Map<number, number>;

export function registerTopCommand(program: Command): void {
  withServerFlags(program.command("top").description("show live load, copies and latency per inference component, refreshed until interrupted"))
    .option("--once", "print one snapshot (totals since the server started) and exit")
    .option("--interval <time>", "time between refreshes, e.g. 2s", "2s")
    .option("--json", "with --once: print the snapshot as JSON")
    .action(
      runCommand(
        (flags: TopFlags) => flags.url,
        async (flags: TopFlags) => {
          let intervalS: number;
          try {
            intervalS = parseSeconds(flags.interval, "--interval");
          } catch (error) {
            throw new CliError((error as Error).message, exitCodes.badInput);
          }
          const first = await snapshot(flags);
          if (flags.once) {
            process.stdout.write(flags.json ? JSON.stringify(first.map(jsonRow), null, 2) + "\n" : topTable(first, undefined, 0) + "\n");
            return;
          }
          let previous = { at: Date.now(), loads: first };
          process.stdout.write(frame(topTable(first, undefined, 0)));
          for (;;) {
            await new Promise((resolve) => setTimeout(resolve, intervalS * 1000));
            const now = { at: Date.now(), loads: await snapshot(flags) };
            process.stdout.write(frame(topTable(now.loads, previous.loads, (now.at - previous.at) / 1000)));
            previous = now;
          }
        },
      ),
    );
}

async function snapshot(flags: ServerFlags): Promise<ComponentLoad[]> {
  return componentLoads(parsePrometheusText(await (await berthRequest(flags, "/metrics")).text()));
}

function frame(text: string): string {
  const stamp = `berth top  ${new Date().toISOString()}  (Ctrl-C to stop)\n\n`;
  return process.stdout.isTTY ? `\x1b[H\x1b[2J${stamp}${text}\n` : `${stamp}${text}\n\n`;
}

export function componentLoads(samples: Sample[]): ComponentLoad[] {
  const loads = new Map<string, ComponentLoad>();
  const of = (s: Sample): ComponentLoad | undefined => {
    const component = s.labels.component;
    if (!component) return undefined;
    const key = `${s.labels.endpoint}\n${component}`;
    let load = loads.get(key);
    if (!load) {
      load = {
        endpoint: s.labels.endpoint ?? "",
        component,
        readyCopies: 0,
        desiredCopies: 0,
        inFlight: 0,
        held: 0,
        requests: 0,
        errors: 0,
        latency: new Map(),
        overhead: new Map(),
      };
      loads.set(key, load);
    }
    return load;
  };
  for (const s of samples) {
    const load = of(s);
    if (!load) continue;
    switch (s.name) {
      case "berth_copies":
        if (s.labels.state === "ready") load.readyCopies = s.value;
        else if (s.labels.state === "desired") load.desiredCopies = s.value;
        break;
      case "berth_in_flight_requests":
        load.inFlight += s.value;
        break;
      case "berth_held_requests":
        load.held += s.value;
        break;
      case "berth_invocations_total":
        load.requests += s.value;
        break;
      case "berth_invocation_errors_total":
        load.errors += s.value;
        break;
      case "berth_model_latency_seconds_bucket":
        add(load.latency, s);
        break;
      case "berth_overhead_latency_seconds_bucket":
        add(load.overhead, s);
        break;
    }
  }
  return [...loads.values()].sort((a, b) => a.endpoint.localeCompare(b.endpoint) || a.component.localeCompare(b.component));
}

function add(histogram: Histogram, s: Sample): void {
  const le = s.labels.le === "+Inf" ? Infinity : Number(s.labels.le);
  histogram.set(le, (histogram.get(le) ?? 0) + s.value);
}

/** The q-quantile of a cumulative histogram, interpolated within its bucket as PromQL's histogram_quantile does. */
export function quantile(q: number, histogram: Histogram): number | undefined {
  const bounds = [...histogram.keys()].sort((a, b) => a - b);
  const total = histogram.get(Infinity) ?? 0;
  if (total <= 0) return undefined;
  const rank = q * total;
  let lower = 0;
  let below = 0;
  for (const bound of bounds) {
    const count = histogram.get(bound)!;
    if (count >= rank) {
      if (bound === Infinity) return lower;
      return lower + ((bound - lower) * (rank - below)) / Math.max(count - below, 1e-12);
    }
    lower = bound;
    below = count;
  }
  return lower;
}

function minus(a: Histogram, b: Histogram | undefined): Histogram {
  return new Map([...a].map(([le, n]) => [le, n - (b?.get(le) ?? 0)]));
}

function ms(seconds: number | undefined): string {
  if (seconds === undefined) return "-";
  return seconds < 0.01 ? `${(seconds * 1000).toFixed(2)} ms` : seconds < 1 ? `${(seconds * 1000).toFixed(0)} ms` : `${seconds.toFixed(2)} s`;
}

/** With a previous snapshot, traffic and latency cover the time between the two; without, the time since the server started. */
export function topTable(loads: ComponentLoad[], previous: ComponentLoad[] | undefined, seconds: number): string {
  if (loads.length === 0) return "no inference components";
  const before = new Map((previous ?? []).map((l) => [`${l.endpoint}\n${l.component}`, l]));
  const rows = loads.map((l) => {
    const p = previous ? before.get(`${l.endpoint}\n${l.component}`) : undefined;
    const latency = previous ? minus(l.latency, p?.latency) : l.latency;
    const overhead = previous ? minus(l.overhead, p?.overhead) : l.overhead;
    const requests = l.requests - (p?.requests ?? 0);
    const errors = l.errors - (p?.errors ?? 0);
    return [
      l.component,
      l.endpoint,
      `${l.readyCopies}/${l.desiredCopies}`,
      String(l.inFlight),
      String(l.held),
      previous ? (requests / Math.max(seconds, 1e-9)).toFixed(1) : String(requests),
      String(errors),
      ms(quantile(0.5, latency)),
      ms(quantile(0.99, latency)),
      ms(quantile(0.99, overhead)),
    ];
  });
  const traffic = previous ? "REQ/S" : "REQUESTS";
  return table(["COMPONENT", "ENDPOINT", "COPIES", "IN FLIGHT", "HELD", traffic, "ERRORS", "P50", "P99", "OVERHEAD P99"], rows);
}

function jsonRow(l: ComponentLoad) {
  return {
    endpoint: l.endpoint,
    component: l.component,
    readyCopies: l.readyCopies,
    desiredCopies: l.desiredCopies,
    inFlight: l.inFlight,
    held: l.held,
    requests: l.requests,
    errors: l.errors,
    p50Seconds: quantile(0.5, l.latency) ?? null,
    p99Seconds: quantile(0.99, l.latency) ?? null,
    overheadP99Seconds: quantile(0.99, l.overhead) ?? null,
  };
}
