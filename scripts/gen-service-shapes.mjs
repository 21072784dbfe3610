#!/usr/bin/env node
// Generates src/api/shapes/*.generated.ts from the botocore service models vendored in spec/service-models
// (gzipped, as botocore ships them; a folder of plain service-2.json files works too).
// Only the operations Berth serves, and the shapes they reach, are kept; documentation is dropped. The names
// of the model's other operations are kept too, so that calling one is refused as "not served".
// Run: node scripts/gen-service-shapes.mjs [path-to-service-models]
import { existsSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";
import { gunzipSync } from "node:zlib";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const modelsDir = process.argv[2] ?? join(root, "spec", "service-models");
const outDir = join(root, "src", "api", "shapes");

const services = {
  sagemaker: {
    file: "sagemaker/2017-07-24/service-2.json",
    operations: [
      "CreateModel",
      "DescribeModel",
      "ListModels",
      "DeleteModel",
      "CreateEndpointConfig",
      "DescribeEndpointConfig",
      "ListEndpointConfigs",
      "DeleteEndpointConfig",
      "CreateEndpoint",
      "DescribeEndpoint",
      "ListEndpoints",
      "UpdateEndpoint",
      "DeleteEndpoint",
      "UpdateEndpointWeightsAndCapacities",
      "CreateInferenceComponent",
      "DescribeInferenceComponent",
      "ListInferenceComponents",
      "UpdateInferenceComponent",
      "UpdateInferenceComponentRuntimeConfig",
      "DeleteInferenceComponent",
      "AddTags",
      "ListTags",
      "DeleteTags",
    ],
  },
  "sagemaker-runtime": {
    file: "sagemaker-runtime/2017-05-13/service-2.json",
    operations: ["InvokeEndpoint", "InvokeEndpointWithResponseStream"],
  },
  "application-autoscaling": {
    file: "application-autoscaling/2016-02-06/service-2.json",
    operations: [
      "RegisterScalableTarget",
      "DescribeScalableTargets",
      "DeregisterScalableTarget",
      "PutScalingPolicy",
      "DescribeScalingPolicies",
      "DeleteScalingPolicy",
      "DescribeScalingActivities",
      "PutScheduledAction",
      "DescribeScheduledActions",
      "DeleteScheduledAction",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ],
  },
  cloudwatch: {
    file: "cloudwatch/2010-08-01/service-2.json",
    operations: [
      "GetMetricData",
      "GetMetricStatistics",
      "ListMetrics",
      "PutMetricData",
      "PutMetricAlarm",
      "DescribeAlarms",
      "DescribeAlarmsForMetric",
      "DeleteAlarms",
      "SetAlarmState",
      "EnableAlarmActions",
      "DisableAlarmActions",
      "TagResource",
      "UntagResource",
      "ListTagsForResource",
    ],
  },
};

const keptShapeKeys = [
  "type",
  "required",
  "members",
  "member",
  "key",
  "value",
  "min",
  "max",
  "pattern",
  "enum",
  "error",
  "exception",
  "fault",
  "eventstream",
  "event",
  "payload",
  "union",
  "streaming",
  "flattened",
];
const keptMemberKeys = ["shape", "location", "locationName", "eventpayload", "eventheader", "idempotencyToken", "jsonvalue"];

function trimShape(shape) {
  const out = {};
  for (const k of keptShapeKeys) if (shape[k] !== undefined) out[k] = shape[k];
  if (out.members) {
    out.members = Object.fromEntries(
      Object.entries(out.members).map(([name, m]) => [name, Object.fromEntries(keptMemberKeys.filter((k) => m[k] !== undefined).map((k) => [k, m[k]]))]),
    );
  }
  // locationName renames a list's <member> or a map's <key>/<value> in the awsQuery protocol.
  for (const ref of ["member", "key", "value"]) {
    if (out[ref]) out[ref] = { shape: out[ref].shape, ...(out[ref].locationName ? { locationName: out[ref].locationName } : {}) };
  }
  return out;
}

function readModel(path) {
  if (existsSync(path)) return JSON.parse(readFileSync(path, "utf8"));
  return JSON.parse(gunzipSync(readFileSync(`${path}.gz`)).toString("utf8"));
}

mkdirSync(outDir, { recursive: true });
for (const [service, spec] of Object.entries(services)) {
  const model = readModel(join(modelsDir, spec.file));
  const shapes = {};
  const visit = (name) => {
    if (shapes[name]) return;
    const shape = model.shapes[name];
    if (!shape) throw new Error(`${service}: shape ${name} is missing from ${spec.file}`);
    shapes[name] = trimShape(shape);
    for (const m of Object.values(shape.members ?? {})) visit(m.shape);
    for (const ref of [shape.member, shape.key, shape.value]) if (ref) visit(ref.shape);
  };
  const operations = {};
  for (const op of spec.operations) {
    const o = model.operations[op];
    if (!o) throw new Error(`${service}: operation ${op} is missing from ${spec.file}`);
    operations[op] = {
      http: o.http,
      input: o.input?.shape,
      output: o.output?.shape,
      resultWrapper: o.output?.resultWrapper,
      errors: (o.errors ?? []).map((e) => e.shape),
    };
    for (const ref of [o.input, o.output, ...(o.errors ?? [])]) if (ref) visit(ref.shape);
  }
  const meta = model.metadata;
  const body = {
    metadata: {
      apiVersion: meta.apiVersion,
      protocol: meta.protocol,
      jsonVersion: meta.jsonVersion,
      targetPrefix: meta.targetPrefix,
      signingName: meta.signingName,
      serviceId: meta.serviceId,
      xmlNamespace: meta.xmlNamespace,
    },
    operations,
    otherOperations: Object.keys(model.operations)
      .filter((op) => !spec.operations.includes(op))
      .sort(),
    shapes,
  };
  const constName = service.replace(/-([a-z])/g, (_, c) => c.toUpperCase()) + "Model";
  const text =
    `// Generated by scripts/gen-service-shapes.mjs from botocore's ${spec.file} (Apache-2.0). Do not edit.\n` +
    `import type { ServiceModel } from "./service-model.js";\n\n` +
    `export const ${constName}: ServiceModel = ${JSON.stringify(body, null, 1)};\n`;
  writeFileSync(join(outDir, `${service}.generated.ts`), text);
  console.log(`${service}: ${spec.operations.length} operations, ${Object.keys(shapes).length} shapes`);
}
