import type { IncomingMessage } from "node:http";
import { promisify } from "node:util";
import { gunzip } from "node:zlib";
import { setAlarmActions } from "../../operations/cloudwatch/alarm-actions.js";
import * as alarmTags from "../../operations/cloudwatch/alarm-tags.js";
import * as alarms from "../../operations/cloudwatch/alarms.js";
import { describeAlarmsForMetric } from "../../operations/cloudwatch/alarms-for-metric.js";
import type { CloudWatchDeps } from "../../operations/cloudwatch/deps.js";
import { getMetricData } from "../../operations/cloudwatch/get-metric-data.js";
import { getMetricStatistics } from "../../operations/cloudwatch/get-metric-statistics.js";
import { listMetrics } from "../../operations/cloudwatch/list-metrics.js";
import { putMetricData } from "../../operations/cloudwatch/put-metric-data.js";
import { cloudWatchErrors } from "../../domain/errors/cloudwatch.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import { JsonService, type JsonOperation } from "../awsjson/service.js";
import { cloudwatchModel } from "../shapes/cloudwatch.generated.js";

/**
 * CloudWatch over awsJson1_0 (X-Amz-Target: GraniteServiceVersion20100801.*), query-compatible: every
 * error also carries x-amzn-query-error with its awsQuery code, which both SDKs use to pick the class.
 */
export function cloudWatchService(deps: CloudWatchDeps, options: { maxBodyBytes: number }): JsonService {
  const operations: Record<string, JsonOperation> = {
    GetMetricData: (input) => getMetricData(deps, input),
    GetMetricStatistics: (input) => getMetricStatistics(deps, input),
    ListMetrics: (input) => listMetrics(deps, input),
    PutMetricData: (input) => putMetricData(deps, input),
    PutMetricAlarm: (input) => alarms.putMetricAlarm(deps, input),
    DescribeAlarms: (input) => alarms.describeAlarms(deps, input),
    DescribeAlarmsForMetric: (input) => describeAlarmsForMetric(deps, input),
    DeleteAlarms: (input) => alarms.deleteAlarms(deps, input),
    SetAlarmState: (input) => alarms.setAlarmState(deps, input),
    EnableAlarmActions: (input) => setAlarmActions(deps, input, true),
    DisableAlarmActions: (input) => setAlarmActions(deps, input, false),
    TagResource: (input) => alarmTags.tagResource(deps, input),
    UntagResource: (input) => alarmTags.untagResource(deps, input),
    ListTagsForResource: (input) => alarmTags.listTagsForResource(deps, input),
  };
  return new GzipJsonService({
    model: cloudwatchModel,
    operations,
    scope: {
      service: "CloudWatch",
      serves:
        "Berth implements CloudWatch metrics and metric alarms only (PutMetricData, GetMetricData, GetMetricStatistics, ListMetrics, metric alarms, their actions and tags)",
    },
    contentType: "application/x-amz-json-1.0",
    validationError: validationError,
    queryCompatible: true,
    maxBodyBytes: options.maxBodyBytes,
  });
}

/** Missing required members answer MissingParameter; other constraint violations ValidationError. */
function validationError(violations: string[]) {
  const missing = violations.map((v) => /^Value null at '([^']+)' failed to satisfy constraint: Member must not be null$/.exec(v)?.[1]);
  if (missing.every((m) => m !== undefined)) return cloudWatchErrors.missingParameter(missing.map((m) => pascal(m!)));
  return cloudWatchErrors.fieldValidation(violations);
}

function pascal(path: string): string {
  return path
    .split(".")
    .map((part) => (/^\d+$/.test(part) || part === "member" ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join(".");
}

const gunzipAsync = promisify(gunzip);

/**
 * The JS SDK gzips PutMetricData bodies of 10 KiB and more (Content-Encoding: gzip). The signature covers
 * the gzipped bytes, so they are inflated after verification, up to the same size limit.
 */
class GzipJsonService extends JsonService {
  protected override async decodeBody(raw: Buffer, req: IncomingMessage): Promise<Buffer> {
    const encoding = String(req.headers["content-encoding"] ?? "")
      .trim()
      .toLowerCase();
    if (encoding !== "gzip") return raw;
    try {
      return await gunzipAsync(raw, { maxOutputLength: this.maxBodyBytes });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") throw protocolErrors.bodyTooLarge(this.maxBodyBytes);
      throw protocolErrors.malformedJson(`the gzip body could not be inflated: ${(error as Error).message}`);
    }
  }
}
