import type { ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { join } from "node:path";
import type { EtcdCluster } from "./etcd.js";
import type { TestHost } from "./hosts.js";
import { eventually } from "./wait.js";
import { tempDir } from "./temp-dir.js";

/** Ports inside each host's own network namespace: no other run can hold them, and they are not etcd's defaults. */
const clientPort = 32379;
const peerPort = 32380;

export interface HostedEtcd extends EtcdCluster {
  /** The hosts the members run in, in member order. */
  hosts: TestHost[];
}

/**
 * startEtcd's cluster (test/support/etcd.ts), but with one member inside each given host (a network
 * namespace from createHosts), bound to the host's address, with the same fast test timings. Clients
 * must run inside a host too (host.spawn, or host.forward for the test process's own clients).
 */
export async function startEtcdOnHosts(hosts: TestHost[]): Promise<HostedEtcd> {
  if (hosts.length !== 1 && hosts.length !== 3) throw new Error(`startEtcdOnHosts runs 1 or 3 members, one per host; got ${hosts.length} hosts`);
  const root = tempDir("berth-etcd-hosts-");
  const names = hosts.map((_, i) => `m${i}`);
  const cluster = hosts.map((h, i) => `${names[i]}=http://${h.address}:${peerPort}`).join(",");
  const children: (ChildProcess | undefined)[] = hosts.map(() => undefined);
  const output: string[][] = hosts.map(() => []);

  const launch = (i: number) => {
    const host = hosts[i]!;
    const client = `http://${host.address}:${clientPort}`;
    const peer = `http://${host.address}:${peerPort}`;
    const child = host.spawn(
      "etcd",
      [
        ...["--name", names[i]!, "--data-dir", join(root, names[i]!)],
        // Loopback as well, so a process inside the host can reach its own member at 127.0.0.1.
        ...["--listen-client-urls", `${client},http://127.0.0.1:${clientPort}`, "--advertise-client-urls", client],
        ...["--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer],
        ...["--initial-cluster", cluster, "--initial-cluster-state", "new", "--initial-cluster-token", root],
        ...["--heartbeat-interval", "25", "--election-timeout", "250", "--log-level", "warn", "--max-txn-ops", "1024"],
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    const lines = output[i]!;
    const keep = (chunk: Buffer) => {
      lines.push(...chunk.toString().split("\n").filter(Boolean));
      if (lines.length > 40) lines.splice(0, lines.length - 40);
    };
    child.stdout?.on("data", keep);
    child.stderr?.on("data", keep);
    children[i] = child;
    return child;
  };

  const healthy = (i: number) =>
    eventually(
      async () => {
        const { stdout } = await hosts[i]!.exec("curl", ["-s", "--max-time", "1", `http://127.0.0.1:${clientPort}/health`]);
        return stdout.includes('"health":"true"') ? true : undefined;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 50,
        what: () => `etcd member ${names[i]} in ${hosts[i]!.name} to report healthy; its last output:\n${output[i]!.join("\n")}`,
      },
    );

  const kill = async (i: number) => {
    const child = children[i];
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };

  const stop = async () => {
    await Promise.all(hosts.map((_, i) => kill(i)));
    rmSync(root, { recursive: true, force: true });
  };

  try {
    hosts.forEach((_, i) => launch(i));
    await Promise.all(hosts.map((_, i) => healthy(i)));
  } catch (error) {
    await stop();
    throw error;
  }
  // host:port, as startEtcd gives them (test/support/etcd.ts): `10.77.0.10:32379`.
  const endpoints = hosts.map((h) => `${h.address}:${clientPort}`);
  return {
    endpoints,
    storeUrl: `etcd://${endpoints.join(",")}`,
    hosts,
    kill,
    async restart(i) {
      await kill(i);
      launch(i);
      await healthy(i);
    },
    stop,
    output: (i) => output[i]!.join("\n"),
  };
}
