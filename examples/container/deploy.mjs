// Deploys an image built by examples/container/build.sh to Berth with the AWS SDK for JavaScript v3, as
// one would to SageMaker: a model (image + model data), an endpoint, an inference component; then invokes
// it, plain and streaming.
//
//   node examples/container/deploy.mjs <image> [model directory]
//
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY; the server from BERTH_URL
// (default http://127.0.0.1:8080). The model directory must lie under one of the server's artifacts.localRoots.
import {
  CreateEndpointCommand,
  CreateEndpointConfigCommand,
  CreateInferenceComponentCommand,
  CreateModelCommand,
  DescribeInferenceComponentCommand,
  SageMakerClient,
} from "@aws-sdk/client-sagemaker";
import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand, SageMakerRuntimeClient } from "@aws-sdk/client-sagemaker-runtime";

const [image, modelDir] = process.argv.slice(2);
if (!image) {
  console.error("usage: node examples/container/deploy.mjs <image, e.g. localhost/berth-example:v1> [model directory]");
  process.exit(2);
}
const options = { endpoint: process.env.BERTH_URL ?? "http://127.0.0.1:8080", region: "us-east-1" };
const sm = new SageMakerClient(options);
const runtime = new SageMakerRuntimeClient(options);
const role = "arn:aws:iam::000000000000:role/berth";

await sm.send(
  new CreateModelCommand({
    ModelName: "example-model",
    ExecutionRoleArn: role,
    PrimaryContainer: { Image: image, ModelDataUrl: modelDir, Environment: { GREETING: "hello" } },
  }),
);
await sm.send(
  new CreateEndpointConfigCommand({
    EndpointConfigName: "example-config",
    ExecutionRoleArn: role,
    ProductionVariants: [{ VariantName: "AllTraffic", InstanceType: "ml.g5.12xlarge", InitialInstanceCount: 1 }],
  }),
);
await sm.send(new CreateEndpointCommand({ EndpointName: "example", EndpointConfigName: "example-config" }));
await sm.send(
  new CreateInferenceComponentCommand({
    InferenceComponentName: "example-ic",
    EndpointName: "example",
    VariantName: "AllTraffic",
    Specification: {
      ModelName: "example-model",
      Container: { Environment: { GREETING: "hello from the component" } }, // laid over the model's
      ComputeResourceRequirements: { NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 256, MaxMemoryRequiredInMb: 512 },
    },
    RuntimeConfig: { CopyCount: 2 },
  }),
);

for (;;) {
  const { InferenceComponentStatus: status, FailureReason: reason } = await sm.send(
    new DescribeInferenceComponentCommand({ InferenceComponentName: "example-ic" }),
  );
  if (status === "InService") break;
  if (status === "Failed") throw new Error(`example-ic failed: ${reason}`);
  await new Promise((resolve) => setTimeout(resolve, 500));
}
console.log("example-ic is InService");

const answer = await runtime.send(
  new InvokeEndpointCommand({
    EndpointName: "example",
    InferenceComponentName: "example-ic",
    ContentType: "application/json",
    Body: JSON.stringify({ env: ["GREETING", "SM_MODEL_DIR"], readModelFile: "greeting.txt" }),
  }),
);
console.log(Buffer.from(answer.Body).toString("utf8"));

const stream = await runtime.send(
  new InvokeEndpointWithResponseStreamCommand({
    EndpointName: "example",
    InferenceComponentName: "example-ic",
    ContentType: "application/json",
    Body: JSON.stringify({ stream: 3 }),
  }),
);
for await (const event of stream.Body) if (event.PayloadPart) process.stdout.write(Buffer.from(event.PayloadPart.Bytes));
