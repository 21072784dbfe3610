import { BerthError } from "./berth-error.js";
import { reservedTagText } from "./sagemaker.js";

/**
 * CloudWatch (awsJson1_0, query-compatible) errors. `code` is the modelled shape name the JS SDK maps to
 * its exception class (sent as __type); `queryCode` is the awsQuery code sent in x-amzn-query-error,
 * which both SDKs prefer when present.
 */
const invalidValue = (message: string) =>
  new BerthError({ code: "InvalidParameterValueException", queryCode: "InvalidParameterValue", httpStatus: 400, message });
const invalidCombination = (message: string) =>
  new BerthError({ code: "InvalidParameterCombinationException", queryCode: "InvalidParameterCombination", httpStatus: 400, message });
const missing = (message: string) => new BerthError({ code: "MissingRequiredParameterException", queryCode: "MissingParameter", httpStatus: 400, message });

const supportedStatistics = "SampleCount, Average, Sum, Minimum or Maximum";

export const cloudWatchErrors = {
  /** Constraint violations of the service model, in Coral's wording (CloudWatch answers these as ValidationError). */
  fieldValidation: (violations: string[]) =>
    new BerthError({
      code: "ValidationException",
      queryCode: "ValidationError",
      httpStatus: 400,
      message: `${violations.length} validation error${violations.length === 1 ? "" : "s"} detected: ${violations.join("; ")}`,
    }),
  missingParameter: (names: string[]) =>
    missing(names.length === 1 ? `The parameter ${names[0]} is required.` : `The parameters ${names.join(", ")} are required.`),
  invalidValue,
  invalidCombination,
  extendedStatisticUnsupported: (where: string, value: string) =>
    invalidValue(
      `${where} '${value}' is not supported: Berth keeps sum, count, minimum and maximum per 10-second bucket, not percentiles. ` +
        `Use a statistic: ${supportedStatistics}.`,
    ),
  unknownStatistic: (where: string, value: string) => invalidValue(`${where} '${value}' is not a statistic Berth supports. Use ${supportedStatistics}.`),
  statisticsRequired: () => invalidCombination("At least one of the parameters Statistics and ExtendedStatistics must be specified."),
  startAfterEnd: () => invalidValue("The parameter StartTime must be less than the parameter EndTime."),
  badPeriod: (period: number, where = "Period") =>
    invalidValue(
      `The parameter ${where} (${period}) must be a multiple of 10 seconds: Berth records metrics at 10-second resolution, so valid periods are 10, 20, 30, 60 or any multiple of 10.`,
    ),
  tooManyDatapoints: (requested: number, limit: number) =>
    invalidCombination(
      `You have requested up to ${requested.toLocaleString("en-US")} datapoints, which exceeds the limit of ${limit.toLocaleString("en-US")}. ` +
        `You may reduce the datapoints requested by increasing Period, or decreasing the time range.`,
    ),
  reservedNamespace: (namespace: string) =>
    invalidValue(`The value ${namespace} for parameter Namespace is invalid: namespaces starting with 'AWS/' are reserved for metrics Berth records itself.`),
  valueAndValues: (index: number) =>
    invalidCombination(
      `The parameters MetricData.member.${index}.Value, MetricData.member.${index}.Values and MetricData.member.${index}.StatisticValues are mutually exclusive; set only one.`,
    ),
  countsMismatch: (index: number, values: number, counts: number) =>
    invalidValue(`MetricData.member.${index}: Values has ${values} entries but Counts has ${counts}; give one count per value or leave Counts out.`),
  datumWithoutValue: (index: number) => missing(`MetricData.member.${index} needs one of Value, Values or StatisticValues.`),
  controlCharacter: (where: string, code: number) =>
    invalidValue(
      `The value for parameter ${where} is invalid: it contains the ASCII control character 0x${code.toString(16).padStart(2, "0").toUpperCase()}, which CloudWatch does not accept there. Remove control characters (0x00-0x1F, 0x7F) from it.`,
    ),
  valueOutOfRange: (where: string, value: number, lowest: string) =>
    invalidValue(
      `The value ${value} for parameter ${where} is invalid: CloudWatch accepts ${lowest} to 2^360 (about 2.35e108). Send a value within that range.`,
    ),
  badStatisticSet: (index: number, detail: string) => invalidValue(`MetricData.member.${index}.StatisticValues is inconsistent: ${detail}.`),
  timestampOutOfRange: (index: number, detail: string) => invalidValue(`MetricData.member.${index}.Timestamp is ${detail}.`),
  tooManyValues: (index: number, count: number, limit: number) =>
    invalidValue(`MetricData.member.${index}.Values has ${count} entries; the most one datum may carry is ${limit}.`),
  tooManyData: (count: number, limit: number) =>
    invalidValue(`The request has ${count} MetricData entries; the most one PutMetricData call accepts is ${limit}.`),
  /** PutMetricData's model lists no limit error; LimitExceededException is CloudWatch's general one ("exceeded one or more limits"). */
  tooManySeries: (refusal: { limit: number; held: number; adding: number }, retentionApiSeconds: number) =>
    new BerthError({
      code: "LimitExceededException",
      queryCode: "LimitExceededException",
      httpStatus: 400,
      message:
        `The request would create ${refusal.adding} new metric series, but Berth already holds ${refusal.held} series created by PutMetricData ` +
        `and holds at most ${refusal.limit} (limits.maxCustomMetricSeries). Nothing from this request was stored. ` +
        `Use fewer dimension combinations, wait for series no longer written to expire with the metric retention (${retentionApiSeconds} API seconds), ` +
        `or raise limits.maxCustomMetricSeries in the server config and restart the server. ` +
        `A series whose namespace, name and dimensions take more than 2,048 characters counts once for every 2,048 begun.`,
    }),
  invalidNextToken: () =>
    new BerthError({
      code: "InvalidNextToken",
      queryCode: "InvalidNextToken",
      httpStatus: 400,
      message: "The service couldn't process the NextToken: it is invalid or belongs to another request. Start again without NextToken.",
    }),

  // Metric math
  badExpression: (id: string, expression: string, detail: string) =>
    invalidValue(
      `Expression '${expression}' of query '${id}' is not valid: ${detail}. Berth's metric math supports query ids, numbers, + - * / and parentheses.`,
    ),
  tooManyQueries: (count: number, limit: number) =>
    invalidValue(`The request has ${count} MetricDataQuery structures; the most one call accepts is ${limit}. Split the queries over several calls.`),
  mathTooLarge: (bound: number, limit: number, points: number) =>
    invalidValue(
      `The metric math in this request could combine up to ${bound.toLocaleString("en-US")} datapoints (${points.toLocaleString("en-US")} per series), ` +
        `over the limit of ${limit.toLocaleString("en-US")}. Use fewer or shorter expressions, a longer Period, or a shorter time range.`,
    ),
  readTooLarge: (points: number, limit: number) =>
    invalidValue(
      `The metric queries in this request could read up to ${points.toLocaleString("en-US")} datapoints, over the limit of ${limit.toLocaleString("en-US")}. ` +
        `Use a longer Period, a shorter time range, or fewer queries per call.`,
    ),
  duplicateQueryId: (id: string) => invalidValue(`The Id '${id}' is used by more than one MetricDataQuery; every Id must be unique.`),
  badQueryId: (id: string) =>
    invalidValue(`The Id '${id}' is not valid: it must start with a lower-case letter and contain only letters, numbers and underscores.`),
  queryNeedsOne: (id: string) => invalidValue(`MetricDataQuery '${id}' must have exactly one of MetricStat and Expression.`),
  unknownQueryReference: (id: string, reference: string) =>
    invalidValue(`Expression of query '${id}' refers to '${reference}', which is not the Id of another query in the request.`),
  circularReference: (id: string) => invalidValue(`Expression of query '${id}' refers to itself through other queries; references must not form a cycle.`),
  crossAccount: () => invalidValue("AccountId is not supported: Berth holds the metrics of one account."),
  nothingReturned: () => invalidValue("No MetricDataQuery has ReturnData true; at least one query must return data."),

  // Alarms
  alarmNotFound: (name: string) =>
    new BerthError({ code: "ResourceNotFound", queryCode: "ResourceNotFound", httpStatus: 404, message: `Alarm ${name} not found.` }),
  alarmsNotFound: (names: string[]) =>
    new BerthError({
      code: "ResourceNotFound",
      queryCode: "ResourceNotFound",
      httpStatus: 404,
      message: `${names.length === 1 ? "Alarm" : "Alarms"} ${names.join(", ")} not found. No alarm was deleted.`,
    }),
  tooManyAlarms: (limit: number) =>
    new BerthError({
      code: "LimitExceededFault",
      queryCode: "LimitExceeded",
      httpStatus: 400,
      message: `The limit of ${limit} alarms has been reached. Delete alarms you no longer need.`,
    }),
  invalidReasonData: (detail: string) =>
    new BerthError({ code: "InvalidFormatFault", queryCode: "InvalidFormat", httpStatus: 400, message: `StateReasonData must be valid JSON: ${detail}.` }),
  anomalyDetectionUnsupported: (operator: string) =>
    invalidValue(
      `ComparisonOperator ${operator} needs anomaly detection, which Berth does not support. Use GreaterThanOrEqualToThreshold, GreaterThanThreshold, LessThanThreshold or LessThanOrEqualToThreshold with a Threshold.`,
    ),
  unsupportedAlarmFeature: (feature: string) => invalidValue(`${feature} is not supported by Berth's alarms.`),
  invalidTreatMissingData: (value: string) => invalidValue(`TreatMissingData '${value}' is not valid. Use breaching, notBreaching, ignore or missing.`),
  datapointsExceedPeriods: (datapoints: number, periods: number) =>
    invalidValue(`DatapointsToAlarm (${datapoints}) must be less than or equal to EvaluationPeriods (${periods}).`),
  evaluationTooLong: (seconds: number, limit: number) =>
    invalidValue(`Period multiplied by EvaluationPeriods is ${seconds} seconds; it must not exceed ${limit} seconds.`),
  alarmPeriod: (period: number) => invalidValue(`The alarm Period (${period}) must be 10, 30 or a multiple of 60 seconds.`),
  metricAndMetrics: () => invalidCombination("Set either MetricName, Namespace, Statistic and Period, or Metrics, but not both."),
  alarmNeedsMetric: () => missing("A metric alarm needs MetricName and Namespace (with Statistic and Period), or Metrics."),
  statisticChoice: () => invalidCombination("Set exactly one of Statistic and ExtendedStatistic."),
  alarmMetricsReturn: (count: number) =>
    invalidValue(`Exactly one of the alarm's Metrics must have ReturnData true (the value the alarm watches); ${count} do.`),
  alarmMetricsPeriod: (id: string) => invalidValue(`Metric query '${id}' of the alarm has no Period; set MetricStat.Period.`),
  invalidAction: (arn: string) =>
    invalidValue(
      `Invalid action ARN '${arn}': Berth can run Application Auto Scaling policy actions (arn:aws:autoscaling:...:scalingPolicy:...) ` +
        `and accepts SNS topics (arn:aws:sns:...), which it records but cannot deliver to.`,
    ),
  alarmNotFoundByArn: (arn: string, name: string) =>
    new BerthError({
      code: "ResourceNotFoundException",
      queryCode: "ResourceNotFoundException",
      httpStatus: 404,
      message: `Alarm ${name} not found (${arn}).`,
      members: { ResourceType: "alarm", ResourceId: name },
    }),
  untaggableArn: (arn: string) =>
    invalidValue(
      `Berth cannot tag resource '${arn}': of CloudWatch's resources it serves tags on metric alarms only (arn:aws:cloudwatch:<region>:<account>:alarm:<name>).`,
    ),
  tooManyTags: (arn: string, count: number, limit: number) =>
    invalidValue(
      `Resource '${arn}' would have ${count} tags, more than the limit of ${limit} tags per alarm. Remove tags with UntagResource first, or add fewer.`,
    ),
  reservedTagKey: (key: string, prefix: string) => invalidValue(reservedTagText(key, prefix)),
  alarmNamesAndPrefix: () => invalidCombination("AlarmNames and AlarmNamePrefix cannot be used together; set one of them."),
};
