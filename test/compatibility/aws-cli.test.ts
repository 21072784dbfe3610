import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { ApplicationAutoScalingClient, PutScalingPolicyCommand, RegisterScalableTargetCommand } from "@aws-sdk/client-application-auto-scaling";
import { CreateEndpointConfigCommand, CreateModelCommand } from "@aws-sdk/client-sagemaker";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { newerModelsCli, type AwsCli } from "./debian-cli.js";
import { tempDir } from "../support/temp-dir.js";

const account = "000000000000";
const dimension = "sagemaker:inference-component:DesiredCopyCount" as const;
/** The CLI's exit code for an error the service answered (a ClientError), as its documentation gives it. */
const serviceError = 254;
/** The endpoint-in-service and endpoint-deleted waiters poll every 30 s, so a lifecycle takes minutes. */
const lifecycleTimeoutMs = 10 * 60_000;

/** cron() text for the wall-clock minute `minutes` from now in a time zone `hoursAhead` of UTC (a zone without DST). */
function cronIn(minutes: number, hoursAhead: number): string {
  const at = new Date(Date.now() + minutes * 60_000 + hoursAhead * 3_600_000);
  return `cron(${at.getUTCMinutes()} ${at.getUTCHours()} * * ? *)`;
}

describe("Debian's AWS CLI v2 against Berth, with the newer service models on AWS_DATA_PATH", { concurrency: true }, () => {
  let berth: BerthProcess;
  let cli: AwsCli;
  /** Request bodies and the CLI's output files. */
  let files: string;
  // At a 1 s scaling period a schedule minute lasts one real second, so a schedule runs within seconds.
  before(async () => {
    berth = await startBerth({ config: { scalingPeriodSeconds: 1 } });
    cli = newerModelsCli(berth.url);
    files = tempDir("berth-cli-files-");
  });
  after(async () => {
    await berth.stop();
  });

  /** Polls `describe-inference-component` until `done` accepts its output (there is no inference-component waiter in any botocore). */
  async function componentUntil(name: string, done: (d: any) => boolean, what: string) {
    let last: any;
    return eventually(
      async () => {
        last = await cli.json(["sagemaker", "describe-inference-component", "--inference-component-name", name]);
        return done(last) ? last : undefined;
      },
      { timeoutMs: 60_000, what: () => `${what} (last: ${last?.InferenceComponentStatus} ${JSON.stringify(last?.RuntimeConfig)})` },
    );
  }

  const expectServiceError = (result: { code: number; stderr: string }, operation: string, code: string, message: string) => {
    assert.equal(result.code, serviceError, result.stderr);
    assert.equal(result.stderr.trim(), `An error occurred (${code}) when calling the ${operation} operation: ${message}`);
  };

  it(
    "hosts an inference component from create-model to endpoint-deleted: waiters, describes, invoke, tags, scheduled and target-tracking scaling",
    { timeout: lifecycleTimeoutMs },
    async () => {
      const name = uniqueName("cli");
      const [model, config, endpoint, component] = [`${name}-model`, `${name}-config`, name, `${name}-ic`];
      const arn = (kind: string, resource: string) => `arn:aws:sagemaker:us-east-1:${account}:${kind}/${resource.toLowerCase()}`;
      const role = `arn:aws:iam::${account}:role/berth`;

      // Model, configuration (no model on the variant: inference components bring their own) and endpoint.
      const createdModel = await cli.json([
        "sagemaker",
        "create-model",
        "--model-name",
        model,
        "--execution-role-arn",
        role,
        "--primary-container",
        "Image=berth/echo",
      ]);
      assert.deepEqual(createdModel, { ModelArn: arn("model", model) });
      const describedModel = await cli.json(["sagemaker", "describe-model", "--model-name", model]);
      assert.equal(describedModel.ModelName, model);
      assert.equal(describedModel.PrimaryContainer.Image, "berth/echo");
      assert.equal(describedModel.ExecutionRoleArn, role);
      const createdConfig = await cli.json([
        "sagemaker",
        "create-endpoint-config",
        "--endpoint-config-name",
        config,
        "--execution-role-arn",
        role,
        "--production-variants",
        "VariantName=AllTraffic,InstanceType=ml.g5.12xlarge,InitialInstanceCount=1",
        "--tags",
        "Key=team,Value=search",
      ]);
      assert.deepEqual(createdConfig, { EndpointConfigArn: arn("endpoint-config", config) });
      const describedConfig = await cli.json(["sagemaker", "describe-endpoint-config", "--endpoint-config-name", config]);
      assert.deepEqual(
        describedConfig.ProductionVariants.map((v: any) => [v.VariantName, v.InstanceType, v.InitialInstanceCount, v.ModelName]),
        [["AllTraffic", "ml.g5.12xlarge", 1, undefined]],
      );
      const createdEndpoint = await cli.json([
        "sagemaker",
        "create-endpoint",
        "--endpoint-name",
        endpoint,
        "--endpoint-config-name",
        config,
        "--tags",
        "Key=team,Value=search",
      ]);
      assert.deepEqual(createdEndpoint, { EndpointArn: arn("endpoint", endpoint) });

      const waited = await cli.run(["sagemaker", "wait", "endpoint-in-service", "--endpoint-name", endpoint]);
      assert.equal(waited.code, 0, waited.stderr);
      assert.equal(waited.stdout, "", "a waiter that succeeds prints nothing");
      const describedEndpoint = await cli.json(["sagemaker", "describe-endpoint", "--endpoint-name", endpoint]);
      assert.equal(describedEndpoint.EndpointStatus, "InService");
      assert.equal(describedEndpoint.EndpointArn, arn("endpoint", endpoint));
      assert.equal(describedEndpoint.EndpointConfigName, config);
      const [variant] = describedEndpoint.ProductionVariants;
      assert.deepEqual([variant.VariantName, variant.CurrentInstanceCount, variant.DesiredInstanceCount], ["AllTraffic", 1, 1]);
      assert.ok(Date.parse(describedEndpoint.LastModifiedTime) >= Date.parse(describedEndpoint.CreationTime), "timestamps the CLI prints as ISO 8601");

      // The inference component, on the model created above.
      const specification = { ModelName: model, ComputeResourceRequirements: { NumberOfCpuCoresRequired: 1, MinMemoryRequiredInMb: 1024 } };
      const createdComponent = await cli.json([
        "sagemaker",
        "create-inference-component",
        "--inference-component-name",
        component,
        "--endpoint-name",
        endpoint,
        "--variant-name",
        "AllTraffic",
        "--specification",
        JSON.stringify(specification),
        "--runtime-config",
        "CopyCount=1",
        "--tags",
        "Key=team,Value=search",
      ]);
      assert.deepEqual(createdComponent, { InferenceComponentArn: arn("inference-component", component) });
      const ready = await componentUntil(component, (d) => d.InferenceComponentStatus === "InService", `${component} to be InService`);
      assert.equal(ready.EndpointName, endpoint);
      assert.equal(ready.EndpointArn, arn("endpoint", endpoint));
      assert.equal(ready.VariantName, "AllTraffic");
      assert.deepEqual(ready.Specification, specification);
      assert.deepEqual([ready.RuntimeConfig.DesiredCopyCount, ready.RuntimeConfig.CurrentCopyCount], [1, 1]);
      const components = await cli.json(["sagemaker", "list-inference-components", "--endpoint-name-equals", endpoint, "--status-equals", "InService"]);
      assert.deepEqual(
        components.InferenceComponents.map((c: any) => [c.InferenceComponentName, c.EndpointName, c.VariantName, c.InferenceComponentStatus]),
        [[component, endpoint, "AllTraffic", "InService"]],
      );
      const endpoints = await cli.json(["sagemaker", "list-endpoints", "--name-contains", name, "--status-equals", "InService"]);
      assert.deepEqual(
        endpoints.Endpoints.map((e: any) => e.EndpointName),
        [endpoint],
      );

      // Invoke the component; the CLI writes the body to the output file and the headers to stdout.
      const body = join(files, "request.json");
      const answer = join(files, "answer.json");
      writeFileSync(body, '{"hello": "cli"}');
      const invoked = await cli.json([
        "sagemaker-runtime",
        "invoke-endpoint",
        "--endpoint-name",
        endpoint,
        "--inference-component-name",
        component,
        "--content-type",
        "application/json",
        "--body",
        `fileb://${body}`,
        answer,
      ]);
      assert.equal(invoked.ContentType, "application/json");
      assert.equal(invoked.InvokedProductionVariant, "AllTraffic");
      assert.equal(invoked.CustomAttributes, `copy=${component}-1`);
      assert.equal(readFileSync(answer, "utf8"), '{"hello": "cli"}', "berth/echo answers the body it was sent");

      // Tags: those given at create time, added ones, a page at a time, and removal by key.
      const componentArn = arn("inference-component", component);
      const added = await cli.json(["sagemaker", "add-tags", "--resource-arn", componentArn, "--tags", "Key=owner,Value=ana", "Key=cost-center,Value=42"]);
      assert.deepEqual(added.Tags, [
        { Key: "owner", Value: "ana" },
        { Key: "cost-center", Value: "42" },
      ]);
      const firstTags = await cli.json(["sagemaker", "list-tags", "--resource-arn", componentArn, "--max-items", "2"]);
      assert.deepEqual(firstTags.Tags, [
        { Key: "team", Value: "search" },
        { Key: "owner", Value: "ana" },
      ]);
      assert.ok(firstTags.NextToken, "the CLI offers a token for the rest");
      const restTags = await cli.json(["sagemaker", "list-tags", "--resource-arn", componentArn, "--starting-token", firstTags.NextToken]);
      assert.deepEqual(restTags, { Tags: [{ Key: "cost-center", Value: "42" }] });
      const deletedTags = await cli.run(["sagemaker", "delete-tags", "--resource-arn", componentArn, "--tag-keys", "cost-center"]);
      assert.deepEqual([deletedTags.code, deletedTags.stdout], [0, ""], deletedTags.stderr);
      assert.deepEqual((await cli.json(["sagemaker", "list-tags", "--resource-arn", componentArn])).Tags, [
        { Key: "team", Value: "search" },
        { Key: "owner", Value: "ana" },
      ]);
      for (const [kind, resource] of [
        ["endpoint", endpoint],
        ["endpoint-config", config],
      ]) {
        assert.deepEqual((await cli.json(["sagemaker", "list-tags", "--resource-arn", arn(kind!, resource!)])).Tags, [{ Key: "team", Value: "search" }], kind);
      }

      // The component as a scalable target, tagged at registration.
      const target = ["--service-namespace", "sagemaker", "--resource-id", `inference-component/${component}`, "--scalable-dimension", dimension];
      const registered = await cli.json([
        "application-autoscaling",
        "register-scalable-target",
        ...target,
        "--min-capacity",
        "1",
        "--max-capacity",
        "3",
        "--tags",
        "team=search",
      ]);
      assert.match(registered.ScalableTargetARN, /^arn:aws:application-autoscaling:us-east-1:\d{12}:scalable-target\/[0-9a-z]+$/);
      const targetTags = await cli.json(["application-autoscaling", "list-tags-for-resource", "--resource-arn", registered.ScalableTargetARN]);
      assert.deepEqual(targetTags, { Tags: { team: "search" } });
      const limits = async () => {
        const found = await cli.json([
          "application-autoscaling",
          "describe-scalable-targets",
          "--service-namespace",
          "sagemaker",
          "--resource-ids",
          `inference-component/${component}`,
        ]);
        return found.ScalableTargets.map((t: any) => [t.ScalableDimension, t.MinCapacity, t.MaxCapacity, t.ScalableTargetARN]);
      };
      assert.deepEqual(await limits(), [[dimension, 1, 3, registered.ScalableTargetARN]]);

      // The user sets the copy count by hand.
      const updated = await cli.json([
        "sagemaker",
        "update-inference-component-runtime-config",
        "--inference-component-name",
        component,
        "--desired-runtime-config",
        "CopyCount=2",
      ]);
      assert.deepEqual(updated, { InferenceComponentArn: componentArn });
      await componentUntil(
        component,
        (d) => d.InferenceComponentStatus === "InService" && d.RuntimeConfig.DesiredCopyCount === 2 && d.RuntimeConfig.CurrentCopyCount === 2,
        `${component} to serve with 2 copies`,
      );

      // A schedule in Tokyo time (UTC+9, no DST) raises the minimum to 3, ten schedule minutes (seconds) from now: time enough for the put to land first.
      const schedule = cronIn(10, 9);
      const endTime = new Date(Date.now() + 86_400_000);
      const put = await cli.run([
        "application-autoscaling",
        "put-scheduled-action",
        ...target,
        "--scheduled-action-name",
        "business-hours",
        "--schedule",
        schedule,
        "--timezone",
        "Asia/Tokyo",
        "--end-time",
        endTime.toISOString(),
        "--scalable-target-action",
        "MinCapacity=3",
      ]);
      assert.deepEqual([put.code, put.stdout], [0, ""], put.stderr);
      const actions = await cli.json([
        "application-autoscaling",
        "describe-scheduled-actions",
        "--service-namespace",
        "sagemaker",
        "--resource-id",
        `inference-component/${component}`,
      ]);
      assert.equal(actions.ScheduledActions.length, 1);
      const [action] = actions.ScheduledActions;
      assert.deepEqual(
        [action.ScheduledActionName, action.Schedule, action.Timezone, action.ScalableDimension, action.ScalableTargetAction],
        ["business-hours", schedule, "Asia/Tokyo", dimension, { MinCapacity: 3 }],
      );
      assert.equal(Date.parse(action.EndTime), endTime.getTime() - (endTime.getTime() % 1000), "EndTime read back (to the second)");
      assert.match(
        action.ScheduledActionARN,
        new RegExp(`:scheduledAction:[0-9a-f-]+:resource/sagemaker/inference-component/${component}:scheduledActionName/business-hours$`),
      );
      await componentUntil(
        component,
        (d) => d.RuntimeConfig.DesiredCopyCount === 3 && d.RuntimeConfig.CurrentCopyCount === 3,
        `the schedule to scale ${component} out to 3 copies`,
      );
      assert.deepEqual(await limits(), [[dimension, 3, 3, registered.ScalableTargetARN]]);
      let activities: string[] = [];
      await eventually(
        async () => {
          const found = await cli.json([
            "application-autoscaling",
            "describe-scaling-activities",
            "--service-namespace",
            "sagemaker",
            "--resource-id",
            `inference-component/${component}`,
          ]);
          activities = found.ScalingActivities.map((a: any) => `${a.Description} | ${a.Cause} | ${a.StatusCode}`);
          return [
            "Setting min capacity to 3 | scheduled action name business-hours was triggered | Successful",
            "Setting desired copy count to 3. | minimum capacity was set to 3 | Successful",
          ].every((line) => activities.includes(line))
            ? true
            : undefined;
        },
        { timeoutMs: 60_000, what: () => `the scheduled run in describe-scaling-activities (listed: ${activities.join("; ")})` },
      );

      // Target tracking on invocations per copy, with the two alarms it creates.
      const trackingConfig = {
        TargetValue: 5,
        PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" },
        ScaleOutCooldown: 30,
        ScaleInCooldown: 60,
      };
      const policy = await cli.json([
        "application-autoscaling",
        "put-scaling-policy",
        ...target,
        "--policy-name",
        "per-copy",
        "--policy-type",
        "TargetTrackingScaling",
        "--target-tracking-scaling-policy-configuration",
        JSON.stringify(trackingConfig),
      ]);
      assert.match(policy.PolicyARN, new RegExp(`:scalingPolicy:[0-9a-f-]+:resource/sagemaker/inference-component/${component}:policyName/per-copy$`));
      assert.deepEqual(
        policy.Alarms.map((a: any) => a.AlarmName.replace(/-[0-9a-f-]{36}$/, "")),
        [`TargetTracking-inference-component/${component}-AlarmHigh`, `TargetTracking-inference-component/${component}-AlarmLow`],
      );
      const policies = await cli.json([
        "application-autoscaling",
        "describe-scaling-policies",
        "--service-namespace",
        "sagemaker",
        "--resource-id",
        `inference-component/${component}`,
      ]);
      assert.deepEqual(
        policies.ScalingPolicies.map((p: any) => [p.PolicyName, p.PolicyType, p.TargetTrackingScalingPolicyConfiguration, p.Alarms]),
        [["per-copy", "TargetTrackingScaling", trackingConfig, policy.Alarms]],
      );

      // Everything deleted, in the order a user must: scaling, then the component, then the endpoint.
      for (const args of [
        ["delete-scaling-policy", ...target, "--policy-name", "per-copy"],
        ["delete-scheduled-action", ...target, "--scheduled-action-name", "business-hours"],
        ["deregister-scalable-target", ...target],
      ]) {
        const deleted = await cli.run(["application-autoscaling", ...args]);
        assert.deepEqual([deleted.code, deleted.stdout], [0, ""], `${args[0]}: ${deleted.stderr}`);
      }
      assert.deepEqual(await limits(), []);
      const deletedComponent = await cli.run(["sagemaker", "delete-inference-component", "--inference-component-name", component]);
      assert.deepEqual([deletedComponent.code, deletedComponent.stdout], [0, ""], deletedComponent.stderr);
      await eventually(
        async () => {
          const gone = await cli.run(["sagemaker", "describe-inference-component", "--inference-component-name", component]);
          return gone.code === 0 ? undefined : gone;
        },
        { timeoutMs: 60_000, what: `${component} to be deleted` },
      ).then((gone) => expectServiceError(gone, "DescribeInferenceComponent", "ValidationException", `Could not find inference component "${component}".`));
      const deletedEndpoint = await cli.run(["sagemaker", "delete-endpoint", "--endpoint-name", endpoint]);
      assert.deepEqual([deletedEndpoint.code, deletedEndpoint.stdout], [0, ""], deletedEndpoint.stderr);
      const waitedDeleted = await cli.run(["sagemaker", "wait", "endpoint-deleted", "--endpoint-name", endpoint]);
      assert.deepEqual([waitedDeleted.code, waitedDeleted.stdout], [0, ""], waitedDeleted.stderr);
      expectServiceError(
        await cli.run(["sagemaker", "describe-endpoint", "--endpoint-name", endpoint]),
        "DescribeEndpoint",
        "ValidationException",
        `Could not find endpoint "${arn("endpoint", endpoint)}".`,
      );
      for (const args of [
        ["delete-endpoint-config", "--endpoint-config-name", config],
        ["delete-model", "--model-name", model],
      ]) {
        const deleted = await cli.run(["sagemaker", ...args]);
        assert.deepEqual([deleted.code, deleted.stdout], [0, ""], `${args[0]}: ${deleted.stderr}`);
      }
      assert.deepEqual(await cli.json(["sagemaker", "list-models", "--name-contains", name]), { Models: [] });
      assert.deepEqual(await cli.json(["sagemaker", "list-endpoint-configs", "--name-contains", name]), { EndpointConfigs: [] });
      assert.deepEqual(await cli.json(["sagemaker", "list-endpoints", "--name-contains", name]), { Endpoints: [] });
      expectServiceError(
        await cli.run(["sagemaker", "list-tags", "--resource-arn", arn("model", model)]),
        "ListTags",
        "ValidationException",
        `Could not find model "${arn("model", model)}".`,
      );
    },
  );

  it("pages list calls with --page-size, --max-items and --starting-token, filtered and sorted as asked", { timeout: lifecycleTimeoutMs }, async () => {
    const prefix = uniqueName("pages");
    const models = ["a", "b", "c"].map((suffix) => `${prefix}-model-${suffix}`);
    for (const model of models) {
      await berth.sagemaker.send(new CreateModelCommand({ ModelName: model, PrimaryContainer: { Image: "berth/echo" } }));
      await berth.sagemaker.send(
        new CreateEndpointConfigCommand({
          EndpointConfigName: model,
          ProductionVariants: [{ VariantName: "AllTraffic", ModelName: model, InstanceType: "ml.m5.large", InitialInstanceCount: 1 }],
        }),
      );
    }
    const endpoint = await createIcEndpoint(berth.sagemaker, { name: `${prefix}-ep` });
    const components: string[] = [];
    for (const suffix of ["a", "b", "c"]) {
      components.push(await createComponent(berth.sagemaker, echoComponent(endpoint, { name: `${prefix}-ic-${suffix}`, copies: 0, accelerators: 0 }), null));
    }
    const names = (listed: any, key: string, field: string) => listed[key].map((r: any) => r[field]);
    const listModels = (...args: string[]) => cli.json(["sagemaker", "list-models", "--name-contains", `${prefix}-model`, "--sort-by", "Name", ...args]);
    const listConfigs = (...args: string[]) =>
      cli.json(["sagemaker", "list-endpoint-configs", "--name-contains", `${prefix}-model`, "--sort-by", "CreationTime", "--no-paginate", ...args]);
    const listComponents = (...args: string[]) => cli.json(["sagemaker", "list-inference-components", "--endpoint-name-equals", endpoint, ...args]);
    const listEndpoints = (...args: string[]) => cli.json(["sagemaker", "list-endpoints", "--name-contains", prefix, ...args]);

    // --page-size: the CLI asks for one item a page and follows every NextToken itself.
    const all = await listModels("--sort-order", "Descending", "--page-size", "1");
    assert.deepEqual(names(all, "Models", "ModelName"), [...models].reverse());
    assert.equal(all.NextToken, undefined);

    // --max-items: the CLI stops early and prints its own token, which --starting-token resumes from.
    const first = await listModels("--sort-order", "Ascending", "--max-items", "2");
    assert.deepEqual(names(first, "Models", "ModelName"), models.slice(0, 2));
    const rest = await listModels("--sort-order", "Ascending", "--starting-token", first.NextToken);
    assert.deepEqual(names(rest, "Models", "ModelName"), models.slice(2));
    assert.equal(rest.NextToken, undefined);

    // --no-paginate passes MaxResults and NextToken to the server as they are.
    const page = await listConfigs("--sort-order", "Ascending", "--max-results", "2");
    assert.deepEqual(names(page, "EndpointConfigs", "EndpointConfigName"), models.slice(0, 2));
    const next = await listConfigs("--sort-order", "Ascending", "--next-token", page.NextToken);
    assert.deepEqual(names(next, "EndpointConfigs", "EndpointConfigName"), models.slice(2));
    assert.equal(next.NextToken, undefined);

    const icFirst = await listComponents("--sort-by", "Name", "--sort-order", "Descending", "--page-size", "1", "--max-items", "2");
    assert.deepEqual(names(icFirst, "InferenceComponents", "InferenceComponentName"), [...components].reverse().slice(0, 2));
    const icRest = await listComponents("--sort-by", "Name", "--sort-order", "Descending", "--page-size", "1", "--starting-token", icFirst.NextToken);
    assert.deepEqual(names(icRest, "InferenceComponents", "InferenceComponentName"), [components[0]]);
    assert.deepEqual(await listComponents("--status-equals", "Failed"), { InferenceComponents: [] });
    assert.deepEqual(names(await listComponents("--name-contains", `${prefix}-ic-b`), "InferenceComponents", "InferenceComponentName"), [components[1]]);

    const since = await listEndpoints("--status-equals", "InService", "--creation-time-after", "2020-01-01T00:00:00Z");
    assert.deepEqual(names(since, "Endpoints", "EndpointName"), [endpoint]);
    assert.deepEqual(await listEndpoints("--creation-time-before", "2020-01-01T00:00:00Z"), { Endpoints: [] });
  });

  it("prints the errors Berth answers with their exception names and messages, and exits 254", { timeout: lifecycleTimeoutMs }, async () => {
    const missing = uniqueName("missing");
    expectServiceError(
      await cli.run(["sagemaker", "describe-endpoint", "--endpoint-name", missing]),
      "DescribeEndpoint",
      "ValidationException",
      `Could not find endpoint "arn:aws:sagemaker:us-east-1:${account}:endpoint/${missing}".`,
    );
    expectServiceError(
      await cli.run(["sagemaker", "describe-inference-component", "--inference-component-name", missing]),
      "DescribeInferenceComponent",
      "ValidationException",
      `Could not find inference component "${missing}".`,
    );
    expectServiceError(
      await cli.run([
        "sagemaker-runtime",
        "invoke-endpoint",
        "--endpoint-name",
        missing,
        "--inference-component-name",
        missing,
        "--body",
        "e30=",
        join(files, "unused.out"),
      ]),
      "InvokeEndpoint",
      "ValidationError",
      `Endpoint ${missing} of account ${account} not found.`,
    );
    expectServiceError(
      await cli.run(["sagemaker", "list-endpoints", "--sort-by", "Size"]),
      "ListEndpoints",
      "ValidationException",
      "1 validation error detected: Value 'Size' at 'sortBy' failed to satisfy constraint: Member must satisfy enum value set: [Name, CreationTime, Status]",
    );

    const model = uniqueName("model");
    await cli.json(["sagemaker", "create-model", "--model-name", model, "--primary-container", "Image=berth/echo"]);
    const modelArn = `arn:aws:sagemaker:us-east-1:${account}:model/${model}`;
    expectServiceError(
      await cli.run(["sagemaker", "create-model", "--model-name", model, "--primary-container", "Image=berth/echo"]),
      "CreateModel",
      "ValidationException",
      `Cannot create already existing model "${modelArn}".`,
    );
    expectServiceError(
      await cli.run(["sagemaker", "add-tags", "--resource-arn", modelArn, "--tags", "Key=aws:owner,Value=me"]),
      "AddTags",
      "ValidationException",
      "Tag key 'aws:owner' is refused: tag keys starting with 'aws:' are reserved for AWS use.",
    );

    const endpoint = await createIcEndpoint(berth.sagemaker);
    const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
    const target = ["--service-namespace", "sagemaker", "--resource-id", `inference-component/${component}`, "--scalable-dimension", dimension];
    expectServiceError(
      await cli.run([
        "application-autoscaling",
        "register-scalable-target",
        ...target.slice(0, 2),
        "--resource-id",
        `inference-component/${missing}`,
        ...target.slice(4),
        "--min-capacity",
        "1",
        "--max-capacity",
        "2",
      ]),
      "RegisterScalableTarget",
      "ValidationException",
      `Unable to register inference-component/${missing}: inference component ${missing} does not exist. Create it first.`,
    );
    const putAction = (schedule: string) =>
      cli.run([
        "application-autoscaling",
        "put-scheduled-action",
        ...target,
        "--scheduled-action-name",
        "nightly",
        "--schedule",
        schedule,
        "--scalable-target-action",
        "MinCapacity=0",
      ]);
    const unregistered = await putAction("rate(1 hour)");
    assert.equal(unregistered.code, serviceError, unregistered.stderr);
    assert.match(
      unregistered.stderr,
      /An error occurred \(ObjectNotFoundException\) when calling the PutScheduledAction operation: No scalable target registered/,
    );
    await cli.json(["application-autoscaling", "register-scalable-target", ...target, "--min-capacity", "1", "--max-capacity", "2"]);
    expectServiceError(
      await putAction("rate(1 hours)"),
      "PutScheduledAction",
      "ValidationException",
      "Schedule expression 'rate(1 hours)' is not valid: use the singular unit for a value of 1: rate(1 hour).",
    );
  });

  it(
    "reads a component's invocation metrics and its target-tracking alarms with aws cloudwatch (the CLI's bundled awsQuery model)",
    { timeout: lifecycleTimeoutMs },
    async () => {
      const aas = new ApplicationAutoScalingClient({ endpoint: berth.url, region: "us-east-1", credentials, maxAttempts: 1 });
      const endpoint = await createIcEndpoint(berth.sagemaker);
      const component = await createComponent(berth.sagemaker, echoComponent(endpoint, { accelerators: 0 }));
      const target = { ServiceNamespace: "sagemaker" as const, ResourceId: `inference-component/${component}`, ScalableDimension: dimension };
      await aas.send(new RegisterScalableTargetCommand({ ...target, MinCapacity: 1, MaxCapacity: 2 }));
      const policy = await aas.send(
        new PutScalingPolicyCommand({
          ...target,
          PolicyName: "per-copy",
          PolicyType: "TargetTrackingScaling",
          TargetTrackingScalingPolicyConfiguration: {
            TargetValue: 1000,
            PredefinedMetricSpecification: { PredefinedMetricType: "SageMakerInferenceComponentInvocationsPerCopy" },
          },
        }),
      );
      const startTime = new Date(Date.now() - 5 * 60_000).toISOString();
      for (let i = 0; i < 3; i++) await invoke(berth.runtime, endpoint, component, `{"n":${i}}`);
      const dimensions = `Name=InferenceComponentName,Value=${component}`;

      const metrics = await cli.json(["cloudwatch", "list-metrics", "--namespace", "AWS/SageMaker", "--dimensions", dimensions]);
      assert.ok(
        metrics.Metrics.some((m: any) => m.MetricName === "Invocations"),
        `Invocations listed among ${metrics.Metrics.map((m: any) => m.MetricName)}`,
      );
      const window = ["--start-time", startTime, "--end-time", new Date(Date.now() + 60_000).toISOString(), "--period", "60"];
      const statistics = await cli.json([
        "cloudwatch",
        "get-metric-statistics",
        "--namespace",
        "AWS/SageMaker",
        "--metric-name",
        "Invocations",
        "--dimensions",
        dimensions,
        "--statistics",
        "Sum",
        ...window,
      ]);
      assert.equal(statistics.Label, "Invocations");
      assert.equal(
        statistics.Datapoints.reduce((sum: number, d: any) => sum + d.Sum, 0),
        3,
      );
      const queries = [
        {
          Id: "invocations",
          MetricStat: {
            Metric: { Namespace: "AWS/SageMaker", MetricName: "Invocations", Dimensions: [{ Name: "InferenceComponentName", Value: component }] },
            Period: 60,
            Stat: "Sum",
          },
        },
      ];
      const data = await cli.json(["cloudwatch", "get-metric-data", "--metric-data-queries", JSON.stringify(queries), ...window.slice(0, 4)]);
      assert.deepEqual(
        data.MetricDataResults.map((r: any) => [r.Id, r.StatusCode, r.Values.reduce((sum: number, v: number) => sum + v, 0)]),
        [["invocations", "Complete", 3]],
      );
      const alarms = await cli.json(["cloudwatch", "describe-alarms", "--alarm-name-prefix", `TargetTracking-inference-component/${component}-`]);
      assert.deepEqual(alarms.MetricAlarms.map((a: any) => a.AlarmName).sort(), policy.Alarms!.map((a) => a.AlarmName).sort());
      assert.ok(
        alarms.MetricAlarms.every((a: any) => a.Namespace === "AWS/SageMaker" && a.MetricName === "InvocationsPerCopy"),
        JSON.stringify(alarms.MetricAlarms),
      );
    },
  );
});
