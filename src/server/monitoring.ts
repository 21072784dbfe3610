import { join } from "node:path";
import { AlarmController } from "../controllers/alarms/alarm-controller.js";
import { cloudWatchService } from "../api/cloudwatch/service.js";
import type { JsonService } from "../api/awsjson/service.js";
import type { BerthConfig } from "../config/config.js";
import type { CloudWatchDeps } from "../operations/cloudwatch/deps.js";
import { deleteManagedAlarms, putManagedAlarms, type ManagedAlarmInput } from "../operations/cloudwatch/managed-alarms.js";
import { MetricsRecorder } from "../metrics/recorder.js";
import type { CopyLoad, MetricSources } from "../metrics/sources.js";
import { SqliteMetricsStore } from "../metrics/sqlite-store.js";
import { StoreSources } from "./metric-sources.js";
import type { MetricsReader, MetricsWriter } from "../metrics/types.js";
import { UtilizationSampler } from "../metrics/utilization.js";
import type { RequestObserver } from "../router/observer.js";
import type { RoutingTable } from "../router/table.js";
import { type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";
import type { Logger } from "../util/logger.js";
import { metricResolutionSeconds, type TimeScale } from "../util/time-scale.js";

export interface MonitoringOptions {
  config: Pick<BerthConfig, "dataDir" | "region" | "accountId" | "metricRetentionSeconds" | "maxApiBodyBytes" | "limits">;
  store: BerthStore;
  clock: Clock;
  log: Logger;
  timeScale: TimeScale;
  /** Cluster mode: the store alarm decisions are committed through (fenced by the leadership). */
  controllerStore?: BerthStore;
  /** Cluster mode: reads over this replica's metrics and the other replicas' (the API and alarms read through it). */
  readerAcross?: (local: MetricsReader, bucketMs: number) => MetricsReader;
  /** copyLoads comes from the router; the others default to a snapshot of the store. */
  sources: Pick<MetricSources, "copyLoads"> & Partial<MetricSources>;
}

export interface Monitoring {
  /** Pass to the router (next to the Prometheus metrics, through ObserverFanout). */
  recorder: RequestObserver;
  reader: MetricsReader;
  /** This replica's own metrics (what other replicas read from it) and their bucket length. */
  local: MetricsReader;
  bucketMs: number;
  writer: MetricsWriter;
  /** The CloudWatch API, for the server's jsonServices. */
  service: JsonService;
  /** Alarm evaluation, for the server's controllers, which start and stop it; monitoring does not run it. */
  alarms: AlarmController;
  /** Alarms Application Auto Scaling manages (target-tracking AlarmHigh/AlarmLow), keyed by the policy ARN. */
  managedAlarms: {
    put(alarms: ManagedAlarmInput[], managedBy: string): Promise<{ AlarmName: string; AlarmARN: string }[]>;
    deleteFor(managedBy: string): Promise<void>;
  };
  /** What the recorder and the sampler read (the store's snapshot and the router's loads). */
  sources: MetricSources;
  /** Stops sampling, waits for the actions SetAlarmState started, and flushes the metrics to disk. */
  close(): Promise<void>;
}

/**
 * The CloudWatch side of Berth: metrics in <dataDir>/metrics.db, the recorder that turns requests into
 * SageMaker's metrics, utilization sampling, alarm evaluation and the CloudWatch API.
 */
export async function startMonitoring(options: MonitoringOptions): Promise<Monitoring> {
  const { config, store, clock, timeScale } = options;
  const log = options.log.child({ component: "monitoring" });
  const bucketMs = timeScale.ms(metricResolutionSeconds);
  const retentionMs = timeScale.ms(config.metricRetentionSeconds);
  const metrics = new SqliteMetricsStore({
    path: join(config.dataDir, "metrics.db"),
    bucketMs,
    retentionMs,
    clock,
    log,
    maxCustomSeries: config.limits.maxCustomMetricSeries,
  });
  metrics.start();

  const storeSources = new StoreSources({ store, log });
  await storeSources.start();
  const sources: MetricSources = {
    components: options.sources.components ?? storeSources.components,
    variants: options.sources.variants ?? storeSources.variants,
    copyProcesses: options.sources.copyProcesses ?? storeSources.copyProcesses,
    reservations: options.sources.reservations ?? storeSources.reservations,
    copyLoads: options.sources.copyLoads,
  };
  const utilization = new UtilizationSampler({ writer: metrics, sources, log });
  const recorder = new MetricsRecorder({
    writer: metrics,
    clock,
    timeScale,
    sources,
    bucketMs,
    log,
    onBucketClosed: (atMs, nowMs) => {
      utilization.sample(atMs, nowMs).catch((error) => log.warn({ err: error }, "sampling copy utilization failed; trying again next bucket"));
    },
  });

  const reader = options.readerAcross ? options.readerAcross(metrics, bucketMs) : metrics;
  const controller = new AlarmController({
    store: options.controllerStore ?? store,
    reader,
    clock,
    log,
    timeScale,
    beforeEvaluate: (now) => recorder.closeBuckets(now),
  });
  // Last, with no await after it: the sources (e.g. the router the caller builds next) are first read a tick later.
  recorder.start();

  const deps: CloudWatchDeps = {
    store,
    account: { region: config.region, accountId: config.accountId },
    clock,
    timeScale,
    reader,
    writer: metrics,
    actions: controller.actions,
    onTransition: (actions, transition) => controller.runTransitionActions(actions, transition),
    retentionMs,
  };

  let closing: Promise<void> | undefined;
  return {
    recorder,
    sources,
    reader,
    local: metrics,
    bucketMs,
    writer: metrics,
    service: cloudWatchService(deps, { maxBodyBytes: config.maxApiBodyBytes }),
    alarms: controller,
    managedAlarms: {
      put: (alarms, managedBy) => putManagedAlarms(deps, alarms, managedBy),
      deleteFor: async (managedBy) => {
        await deleteManagedAlarms(deps, managedBy);
      },
    },
    close: () => {
      closing ??= (async () => {
        recorder.stop();
        await controller.settled();
        storeSources.stop();
        metrics.close();
      })();
      return closing;
    },
  };
}

/**
 * Each ready copy's in-flight requests, from the router's table. Requests waiting in a component's
 * queue count too, spread over its ready copies, as they would in the copies' own queues on SageMaker.
 */
export function copyLoadsFrom(router: {
  table: RoutingTable;
  inFlight(copyId: string): number;
  waiting?(endpointName: string, componentName: string): number;
}): CopyLoad[] {
  const loads: CopyLoad[] = [];
  for (const endpoint of router.table.endpoints.values()) {
    for (const component of endpoint.components.values()) {
      const queued = component.copies.length > 0 ? (router.waiting?.(endpoint.name, component.name) ?? 0) / component.copies.length : 0;
      for (const copy of component.copies) {
        loads.push({
          endpointName: endpoint.name,
          variantName: component.variantName,
          componentName: component.name,
          copyId: copy.id,
          inFlight: router.inFlight(copy.id) + queued,
        });
      }
    }
    for (const variant of endpoint.variants) {
      for (const copy of variant.copies)
        loads.push({ endpointName: endpoint.name, variantName: variant.name, copyId: copy.id, inFlight: router.inFlight(copy.id) });
    }
  }
  return loads;
}
