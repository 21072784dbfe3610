import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { CreateModelCommand, DescribeModelCommand } from "@aws-sdk/client-sagemaker";
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
});
