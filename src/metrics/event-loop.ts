import { monitorEventLoopDelay } from "node:perf_hooks";
import { Gauge, type Registry } from "prom-client";

const quantiles = [0.5, 0.99, 1];
const resolutionMs = 5;

/**
 * berth_event_loop_delay_seconds{quantile}: how late the server's event loop ran timers, as p50, p99 and
 * max (quantile="1") over the time since the previous scrape. A periodic pass that blocks the loop shows
 * here as a high max: every request arriving during it waits that long.
 */
export function registerEventLoopDelay(registry: Registry): () => void {
  const histogram = monitorEventLoopDelay({ resolution: resolutionMs });
  histogram.enable();
  new Gauge({
    name: "berth_event_loop_delay_seconds",
    help: "Event-loop delay of the server process since the previous scrape (quantile 1 is the maximum)",
    labelNames: ["quantile"],
    registers: [registry],
    collect() {
      // The histogram records the whole interval between its timer's runs; the delay is what exceeds the resolution.
      // With no sample yet (a scrape right after the previous one) there is no delay to report.
      const delay = (nanoseconds: number) => (histogram.count > 0 ? Math.max(0, nanoseconds / 1e6 - resolutionMs) / 1000 : 0);
      for (const q of quantiles) this.set({ quantile: String(q) }, delay(q === 1 ? histogram.max : histogram.percentile(q * 100)));
      histogram.reset();
    },
  });
  return () => histogram.disable();
}
