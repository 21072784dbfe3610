import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { after, before, describe, it } from "node:test";
import { credentials, startBerth, type BerthProcess } from "../support/berth-process.js";

const python = "/usr/bin/python3";
const hasBoto3 = spawnSync(python, ["-c", "import boto3"]).status === 0;

const script = `
import json, sys, boto3
from botocore.exceptions import ClientError, WaiterError
url, key_id, secret = sys.argv[1:4]
sm = boto3.client("sagemaker", endpoint_url=url, region_name="us-east-1", aws_access_key_id=key_id, aws_secret_access_key=secret)
out = {}
sm.create_model(ModelName="boto-model", PrimaryContainer={"Image": "berth/echo"}, ExecutionRoleArn="arn:aws:iam::000000000000:role/berth")
out["listed"] = [m["ModelName"] for m in sm.list_models()["Models"]]
out["created_type"] = type(sm.describe_model(ModelName="boto-model")["CreationTime"]).__name__
for name, call in [("duplicate", lambda: sm.create_model(ModelName="BOTO-MODEL", PrimaryContainer={"Image": "berth/echo"}, ExecutionRoleArn="arn:aws:iam::000000000000:role/berth")),
                   ("missing", lambda: sm.describe_endpoint(EndpointName="nope")),
                   ("pattern", lambda: sm.create_model(ModelName="bad_name", PrimaryContainer={"Image": "berth/echo"}, ExecutionRoleArn="arn:aws:iam::000000000000:role/berth"))]:
    try:
        call()
        out[name] = "no error"
    except ClientError as e:
        out[name] = {"code": e.response["Error"]["Code"], "message": e.response["Error"]["Message"], "status": e.response["ResponseMetadata"]["HTTPStatusCode"]}
sm.get_waiter("endpoint_deleted").wait(EndpointName="nope", WaiterConfig={"Delay": 1, "MaxAttempts": 2})
out["waiter"] = "ok"
print(json.dumps(out))
`;

describe(
  "Python clients (boto3)",
  { skip: hasBoto3 ? false : "boto3 is not installed for /usr/bin/python3 (apt-get install python3-boto3; CI installs it)" },
  () => {
    let berth: BerthProcess;
    before(async () => {
      berth = await startBerth();
    });
    after(async () => {
      await berth.stop();
    });

    it("raises ClientError with the right codes, parses timestamps, and runs the deleted-endpoint waiter", () => {
      const output = JSON.parse(execFileSync(python, ["-c", script, berth.url, credentials.accessKeyId, credentials.secretAccessKey], { encoding: "utf8" }));
      assert.deepEqual(output.listed, ["boto-model"]);
      assert.equal(output.created_type, "datetime");
      assert.equal(output.duplicate.code, "ValidationException");
      assert.match(output.duplicate.message, /Cannot create already existing model/);
      assert.equal(output.missing.code, "ValidationException");
      assert.equal(output.missing.message, 'Could not find endpoint "arn:aws:sagemaker:us-east-1:000000000000:endpoint/nope".');
      assert.equal(output.missing.status, 400);
      assert.equal(output.pattern.code, "ValidationException");
      assert.equal(output.waiter, "ok");
    });
  },
);
