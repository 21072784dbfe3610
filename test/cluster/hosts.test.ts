import assert from "node:assert/strict";
import { execFileSync, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { readFileSync } from "node:fs";
import { describe, it } from "node:test";
import { CreateModelCommand, DescribeModelCommand } from "@aws-sdk/client-sagemaker";
import { startBerth } from "../support/berth-process.js";
import { startEtcdOnHosts } from "../support/etcd-hosts.js";
import { createHosts, type TestHost } from "../support/hosts.js";
import { eventually } from "../support/wait.js";

const port = 18080;

/** A tiny HTTP server inside the host, answering `hello from <host>`; resolves once it listens. */
async function serveIn(host: TestHost): Promise<ChildProcess> {
  const script = `require("node:http").createServer((q, s) => s.end("hello from ${host.name}")).listen(${port}, "${host.address}", () => console.log("listening"))`;
  const child = host.spawn(process.execPath, ["-e", script], { stdio: ["ignore", "pipe", "inherit"] });
  const [chunk] = (await once(child.stdout!, "data")) as [Buffer];
  assert.match(chunk.toString(), /listening/);
  return child;
}

type Answer = { ok: true; body: string } | { ok: false; error: string };

/** One GET from inside `from`, given up after timeoutMs; says what the client saw. */
async function request(from: TestHost, url: string, timeoutMs = 1000): Promise<Answer> {
  const script =
    `fetch(process.argv[1], { signal: AbortSignal.timeout(${timeoutMs}) })` +
    `.then(async (r) => console.log(JSON.stringify({ ok: true, body: await r.text() })))` +
    `.catch((e) => console.log(JSON.stringify({ ok: false, error: e.name + ": " + (e.cause?.code ?? e.message) })))` +
    // A connect still pending after the abort would keep the process alive for undici's own 10 s timeout.
    `.finally(() => process.exit(0))`;
  const { stdout } = await from.exec(process.execPath, ["-e", script, url]);
  return JSON.parse(stdout) as Answer;
}

function namespacesOnMachine(): string[] {
  return execFileSync("ip", ["netns", "list"], { encoding: "utf8" })
    .split("\n")
    .map((line) => line.split(" ")[0]!)
    .filter(Boolean);
}

/** Running or sleeping: a zombie (dead, not yet reaped by its parent) does not count. */
function running(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}

describe("test hosts as network namespaces", () => {
  it("a server in one host answers a client in another", async () => {
    const { hosts, cleanup } = await createHosts(2);
    try {
      const [a, b] = hosts as [TestHost, TestHost];
      await serveIn(a);
      assert.notEqual(a.address, b.address);
      assert.deepEqual(await request(b, `http://${a.address}:${port}/`), { ok: true, body: "hello from host0" });
    } finally {
      await cleanup();
    }
  });

  it("a host cut off silently times out for its peers, and answers again once healed", async () => {
    const { hosts, cleanup } = await createHosts(2);
    try {
      const [a, b] = hosts as [TestHost, TestHost];
      await serveIn(a);
      const url = `http://${a.address}:${port}/`;
      assert.equal((await request(b, url)).ok, true);
      await a.cutOff();
      // Dropped, not refused: the client only gives up when its own timeout fires.
      assert.deepEqual(await request(b, url, 500), { ok: false, error: "TimeoutError: The operation was aborted due to timeout" });
      await a.heal();
      await eventually(async () => ((await request(b, url)).ok ? true : undefined), { what: "host0 to answer again after heal" });
    } finally {
      await cleanup();
    }
  });

  it("a host hard-cut (interface down) is unreachable until it is reconnected", async () => {
    const { hosts, cleanup } = await createHosts(2);
    try {
      const [a, b] = hosts as [TestHost, TestHost];
      await serveIn(a);
      const url = `http://${a.address}:${port}/`;
      await a.hardCut();
      assert.equal((await request(b, url, 500)).ok, false);
      await a.reconnect();
      await eventually(async () => ((await request(b, url)).ok ? true : undefined), { what: "host0 to answer again after its interface came back up" });
    } finally {
      await cleanup();
    }
  });

  it("a port forwarded through a host lets the test process's own clients reach another host, cut-off included", async () => {
    const { hosts, cleanup } = await createHosts(2);
    try {
      const [a, b] = hosts as [TestHost, TestHost];
      await serveIn(a);
      const forward = await b.forward({ address: a.address, port });
      const get = (timeoutMs: number) =>
        fetch(forward.url, { signal: AbortSignal.timeout(timeoutMs) }).then(
          async (r) => r.text(),
          (e: Error) => e.name,
        );
      assert.equal(await get(5000), "hello from host0");
      await a.cutOff();
      assert.equal(await get(500), "TimeoutError");
      await a.heal();
      await eventually(async () => ((await get(1000)) === "hello from host0" ? true : undefined), { what: "host0 to answer through the forward after heal" });
      await forward.close();
      assert.equal(await get(1000), "TypeError"); // fetch failed: nothing listens on the port any more
    } finally {
      await cleanup();
    }
  });

  it("cleanup kills every process in the hosts and deletes every namespace, and two sets of hosts never collide", async () => {
    const first = await createHosts(2);
    const second = await createHosts(2);
    let cleanedSecond = false;
    try {
      assert.equal(new Set([...first.namespaces, ...second.namespaces]).size, 6);
      const server = await serveIn(first.hosts[0]!);
      // A process the harness did not start itself (a grandchild) must go too.
      await first.hosts[1]!.exec("sh", ["-c", "sleep 600 >/dev/null 2>&1 &"]);
      const pids = [...(await first.hosts[0]!.pids()), ...(await first.hosts[1]!.pids())];
      assert.ok(pids.includes(server.pid!));
      assert.equal(pids.length, 2);
      await first.cleanup();
      const left = namespacesOnMachine();
      for (const netns of first.namespaces) assert.ok(!left.includes(netns), `namespace ${netns} is still there`);
      assert.deepEqual(
        pids.filter((pid) => running(pid)),
        [],
      );
      // The other run's hosts are untouched and still work.
      await serveIn(second.hosts[0]!);
      assert.equal((await request(second.hosts[1]!, `http://${second.hosts[0]!.address}:${port}/`)).ok, true);
      await second.cleanup();
      cleanedSecond = true;
      for (const netns of second.namespaces) assert.ok(!namespacesOnMachine().includes(netns), `namespace ${netns} is still there`);
    } finally {
      await first.cleanup();
      if (!cleanedSecond) await second.cleanup();
    }
  });

  it("etcd with a member in each of three hosts keeps taking writes while one host is cut off, and the member catches up after heal", async () => {
    const { hosts, cleanup } = await createHosts(3);
    const etcd = await startEtcdOnHosts(hosts).catch(async (error) => {
      await cleanup();
      throw error;
    });
    try {
      assert.match(etcd.storeUrl, /^etcd:\/\/10\.77\.0\.10:\d+,10\.77\.0\.11:\d+,10\.77\.0\.12:\d+$/);
      const etcdctl = (host: TestHost, endpoints: string[], ...args: string[]) =>
        host.exec("etcdctl", [`--endpoints=${endpoints.map((e) => `http://${e}`).join(",")}`, "--command-timeout=2s", "--dial-timeout=1s", ...args]);
      await etcdctl(hosts[1]!, etcd.endpoints, "put", "before", "1");
      await hosts[0]!.cutOff();
      const reachable = etcd.endpoints.slice(1);
      await eventually(async () => ((await etcdctl(hosts[1]!, reachable, "put", "during", "2")).stdout.includes("OK") ? true : undefined), {
        what: "a write to the two members still joined",
      });
      assert.equal((await etcdctl(hosts[2]!, reachable, "get", "during", "--print-value-only")).stdout.trim(), "2");
      await hosts[0]!.heal();
      // A serializable read answers from host0's own member, so it shows what that member has applied.
      await eventually(
        async () => {
          const { stdout } = await etcdctl(hosts[0]!, [etcd.endpoints[0]!], "get", "during", "--print-value-only", "--consistency=s");
          return stdout.trim() === "2" ? true : undefined;
        },
        { what: "host0's member to catch up after heal" },
      );
    } finally {
      await etcd.stop();
      await cleanup();
    }
  });

  it("a berth server inside a host runs on etcd members in three other hosts, and the SDK reaches it through a forward", async () => {
    const { hosts, cleanup } = await createHosts(4);
    const [replicaHost, ...etcdHosts] = hosts as [TestHost, TestHost, TestHost, TestHost];
    const etcd = await startEtcdOnHosts(etcdHosts).catch(async (error) => {
      await cleanup();
      throw error;
    });
    try {
      const berth = await startBerth({ host: replicaHost, args: ["--store", etcd.storeUrl] });
      try {
        assert.equal(new URL(berth.listenUrl).hostname, replicaHost.address);
        const model = (name: string) =>
          new CreateModelCommand({ ModelName: name, PrimaryContainer: { Image: "berth/echo" }, ExecutionRoleArn: "arn:aws:iam::000000000000:role/x" });
        await berth.sagemaker.send(model("before-cut"));
        // One member of three cut off: the other two are a majority, and the client moves to them.
        await etcdHosts[0].cutOff();
        let attempt = 0; // a fresh name per attempt: a write that timed out may still have been applied
        await eventually(async () => ((await berth.sagemaker.send(model(`during-cut-${attempt++}`))).ModelArn ? true : undefined), {
          what: "a write while one etcd member's host is cut off",
        });
        assert.equal((await berth.sagemaker.send(new DescribeModelCommand({ ModelName: "before-cut" }))).ModelName, "before-cut");
      } finally {
        await berth.kill();
      }
    } finally {
      await etcd.stop();
      await cleanup();
    }
  });
});
