import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { describe, it } from "node:test";
import { CreateModelCommand, DescribeModelCommand } from "@aws-sdk/client-sagemaker";
import { startFleet } from "../support/cluster.js";
import { createComponent, createIcEndpoint, echoComponent, uniqueName } from "../support/fixtures.js";
import { eventually } from "../support/wait.js";
import { describeOutcomes, steadyTraffic } from "./failure-support.js";

const run = promisify(execFile);
const hostType = "ml.g5.12xlarge";

/** The index of the member etcd currently has as its raft leader. */
async function etcdLeader(endpoints: string[]): Promise<number> {
  const { stdout } = await run("etcdctl", [`--endpoints=${endpoints.map((e) => `http://${e}`).join(",")}`, "endpoint", "status", "--write-out=json"]);
  const status = JSON.parse(stdout) as { Endpoint: string; Status: { header: { member_id: number }; leader: number } }[];
  const leader = status.findIndex((s) => s.Status.header.member_id === s.Status.leader);
  if (leader < 0) throw new Error(`no etcd member reports itself as leader: ${stdout}`);
  return endpoints.indexOf(status[leader]!.Endpoint.replace("http://", ""));
}

describe("one etcd member of three killed", () => {
  it("is not noticed: every request is served and every acknowledged API write is readable afterwards", async () => {
    const fleet = await startFleet({ etcdMembers: 3, replicas: 2, agents: [{ name: "host-m", instanceType: hostType }] });
    try {
      const [a, b] = fleet.replicas as [(typeof fleet.replicas)[0], (typeof fleet.replicas)[0]];
      const endpoint = await createIcEndpoint(a.sagemaker, { instanceType: hostType, instanceCount: 1 });
      const component = await createComponent(a.sagemaker, echoComponent(endpoint, { name: uniqueName("ic"), copies: 2 }));
      const traffic = steadyTraffic(
        [
          { via: "replica-0", runtime: a.runtime },
          { via: "replica-1", runtime: b.runtime },
        ],
        endpoint,
        component,
      );
      // API writes through both replicas, one after another: a write is acknowledged when the call returns.
      const acknowledged: string[] = [];
      const writeTimes: { startedAt: number; ms: number }[] = [];
      const refused: string[] = [];
      let writing = true;
      const writer = (async () => {
        for (let i = 0; writing; i++) {
          const name = uniqueName("m");
          const startedAt = Date.now();
          try {
            await (i % 2 ? b : a).sagemaker.send(
              new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" }, ExecutionRoleArn: "arn:aws:iam::000000000000:role/x" }),
            );
            acknowledged.push(name);
            writeTimes.push({ startedAt, ms: Date.now() - startedAt });
          } catch (error) {
            refused.push(`${name}: ${(error as Error).name}: ${(error as Error).message}`);
          }
        }
      })();
      try {
        await eventually(async () => (traffic.served().length >= 10 && acknowledged.length >= 10 ? true : undefined), {
          what: "traffic and writes to flow before the member is killed",
        });
        const victim = await etcdLeader(fleet.etcd.endpoints);
        const killedAt = Date.now();
        const [servedBefore, writtenBefore] = [traffic.served().length, acknowledged.length];
        await fleet.etcd.kill(victim);
        await eventually(async () => (traffic.served().length >= servedBefore + 50 && acknowledged.length >= writtenBefore + 50 ? true : undefined), {
          timeoutMs: 60_000,
          what: "50 more requests served and 50 more writes acknowledged with one member down",
        });
        const firstWriteAfter = acknowledged[writtenBefore];
        const slowest = Math.max(...writeTimes.filter((w) => w.startedAt + w.ms >= killedAt).map((w) => w.ms));
        const slowestBefore = Math.max(...writeTimes.filter((w) => w.startedAt + w.ms < killedAt).map((w) => w.ms));
        console.log(`slowest write acknowledged after the kill: ${slowest} ms (before it: ${slowestBefore} ms)`);
        console.log(
          `etcd leader (member ${victim}) killed: ${traffic.served().length - servedBefore} requests served and ` +
            `${acknowledged.length - writtenBefore} writes acknowledged in the ${Date.now() - killedAt} ms after (first write after the kill: ${firstWriteAfter})`,
        );
      } finally {
        writing = false;
        await writer;
        await traffic.stop();
      }
      assert.deepEqual(traffic.failed(), [], `no request fails:\n${describeOutcomes(traffic.failed(), 0)}`);
      assert.deepEqual(refused, [], "no API write is refused");
      for (const [i, name] of acknowledged.entries()) {
        const described = await (i % 2 ? a : b).sagemaker.send(new DescribeModelCommand({ ModelName: name }));
        assert.equal(described.ModelName, name);
      }
      console.log(`${traffic.served().length} requests served, ${acknowledged.length} writes acknowledged and read back, none lost`);
    } finally {
      await fleet.stop();
    }
  });
});
