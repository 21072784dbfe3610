import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateModelCommand, DescribeModelCommand, ListModelsCommand } from "@aws-sdk/client-sagemaker";
import { startBerth } from "../support/berth-process.js";
import { startEtcd } from "../support/etcd.js";

describe("berth server on etcd", () => {
  it("keeps its records in etcd, so a new server process on another data dir sees them", async () => {
    const etcd = await startEtcd({ members: 1 });
    try {
      const first = await startBerth({ args: ["--store", etcd.storeUrl] });
      try {
        await first.sagemaker.send(
          new CreateModelCommand({
            ModelName: "kept-in-etcd",
            PrimaryContainer: { Image: "berth/echo" },
            ExecutionRoleArn: "arn:aws:iam::000000000000:role/x",
          }),
        );
      } finally {
        await first.stop();
      }
      const second = await startBerth({ args: ["--store", etcd.storeUrl] });
      try {
        const model = await second.sagemaker.send(new DescribeModelCommand({ ModelName: "kept-in-etcd" }));
        assert.equal(model.ModelName, "kept-in-etcd");
      } finally {
        await second.stop();
      }
    } finally {
      await etcd.stop();
    }
  });

  it("refuses a model larger than one etcd write with a ValidationException, and serves on", async () => {
    const etcd = await startEtcd({ members: 1 });
    try {
      const server = await startBerth({ args: ["--store", etcd.storeUrl] });
      try {
        // Nine containers of 100 variables of 2 KiB: valid SageMaker input under the 2 MiB body limit, over etcd's 1.5 MiB.
        const environment = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${"K".repeat(1000)}${i}`, "v".repeat(1024)]));
        const containers = Array.from({ length: 9 }, (_, c) => ({ Image: "berth/echo", ContainerHostname: `c${c}`, Environment: environment }));
        await assert.rejects(
          server.sagemaker.send(new CreateModelCommand({ ModelName: "too-big", Containers: containers, ExecutionRoleArn: "arn:aws:iam::000000000000:role/x" })),
          (e: Error & { $metadata?: { httpStatusCode?: number } }) =>
            e.name === "ValidationException" &&
            e.$metadata?.httpStatusCode === 400 &&
            /too large to store/.test(e.message) &&
            /--max-request-bytes/.test(e.message),
        );
        assert.equal(server.logs.filter((l) => /failed unexpectedly/.test(String(l.msg))).length, 0, "a client error, not logged as a server error");
        const models = await server.sagemaker.send(new ListModelsCommand({}));
        assert.deepEqual(models.Models, [], "nothing was stored");
      } finally {
        await server.stop();
      }
    } finally {
      await etcd.stop();
    }
  });
});
