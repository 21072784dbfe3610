import { spawn, type ChildProcess } from "node:child_process";
import { rmSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { eventually } from "./wait.js";
import { tempDir } from "./temp-dir.js";

export interface EtcdCluster {
  /** host:port of every member's client URL. */
  endpoints: string[];
  /** The same, as `berth server --store` takes it. */
  storeUrl: string;
  /** SIGKILL one member (index into endpoints). */
  kill(member: number): Promise<void>;
  /** Start a killed member again with its own data dir, and wait until it is healthy. */
  restart(member: number): Promise<void>;
  /** SIGKILL every member and remove the data dirs. */
  stop(): Promise<void>;
  /** The log lines of one member, for failure messages. */
  output(member: number): string;
}

interface Member {
  name: string;
  clientPort: number;
  peerPort: number;
  dataDir: string;
  process?: ChildProcess;
  output: string[];
}

const running = new Set<ChildProcess>();
process.once("exit", () => {
  for (const child of running) child.kill("SIGKILL");
});

/**
 * A real etcd (Debian's etcd-server) on free loopback ports, with the fast election timings measured in
 * ../shared/notes/etcd.md, so start-up and leader failover take well under a second.
 */
export async function startEtcd(options: { members?: 1 | 3 } = {}): Promise<EtcdCluster> {
  const count = options.members ?? 1;
  const root = tempDir("berth-etcd-");
  const members: Member[] = [];
  const ports = await freePorts(2 * count);
  for (let i = 0; i < count; i++) {
    members.push({ name: `m${i}`, clientPort: ports[2 * i]!, peerPort: ports[2 * i + 1]!, dataDir: join(root, `m${i}`), output: [] });
  }
  const initialCluster = members.map((m) => `${m.name}=http://127.0.0.1:${m.peerPort}`).join(",");
  const launch = (member: Member) => {
    const child = spawn(
      "etcd",
      [
        "--name",
        member.name,
        "--data-dir",
        member.dataDir,
        "--listen-client-urls",
        `http://127.0.0.1:${member.clientPort}`,
        "--advertise-client-urls",
        `http://127.0.0.1:${member.clientPort}`,
        "--listen-peer-urls",
        `http://127.0.0.1:${member.peerPort}`,
        "--initial-advertise-peer-urls",
        `http://127.0.0.1:${member.peerPort}`,
        "--initial-cluster",
        initialCluster,
        "--initial-cluster-state",
        "new",
        "--heartbeat-interval",
        "25",
        "--election-timeout",
        "250",
        "--log-level",
        "warn",
        // As deploy/ sets it: one controller decision may write more records than etcd's default of 128.
        "--max-txn-ops",
        "1024",
      ],
      { stdio: ["ignore", "pipe", "pipe"] },
    );
    child.once("error", (error) => member.output.push(`could not start etcd: ${error.message}. Install Debian's etcd-server (apt-get install etcd-server).`));
    const keep = (chunk: Buffer) => {
      member.output.push(chunk.toString());
      if (member.output.length > 200) member.output.shift();
    };
    child.stdout!.on("data", keep);
    child.stderr!.on("data", keep);
    running.add(child);
    child.once("exit", () => running.delete(child));
    member.process = child;
  };
  const healthy = (member: Member) =>
    eventually(
      async () => {
        if (member.process && (member.process.exitCode !== null || member.process.signalCode !== null))
          throw new Error(`etcd ${member.name} exited: ${member.output.join("")}`);
        const response = await fetch(`http://127.0.0.1:${member.clientPort}/health`, { signal: AbortSignal.timeout(2000) });
        const body = (await response.json()) as { health?: string };
        return body.health === "true" ? true : undefined;
      },
      { timeoutMs: 30_000, intervalMs: 50, what: () => `etcd member ${member.name} to report healthy; its log: ${member.output.join("").slice(-2000)}` },
    );
  for (const member of members) launch(member);
  await Promise.all(members.map(healthy));

  const kill = async (index: number) => {
    const child = members[index]!.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGKILL");
    await exited;
  };
  const endpoints = members.map((m) => `127.0.0.1:${m.clientPort}`);
  return {
    endpoints,
    storeUrl: `etcd://${endpoints.join(",")}`,
    kill,
    restart: async (index) => {
      await kill(index);
      launch(members[index]!);
      await healthy(members[index]!);
    },
    stop: async () => {
      await Promise.all(members.map((_, i) => kill(i)));
      rmSync(root, { recursive: true, force: true });
    },
    output: (index) => members[index]!.output.join(""),
  };
}

export async function freePort(): Promise<number> {
  return (await freePorts(1))[0]!;
}

/**
 * `count` distinct free ports. Each stays bound until all are found: ports taken one at a time can repeat
 * once released (seen as etcd's "initial cluster … has duplicate url").
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<Server>((resolve, reject) => {
          const server = createServer();
          server.once("error", reject);
          server.listen(0, "127.0.0.1", () => resolve(server));
        }),
    ),
  );
  const ports = servers.map((server) => (server.address() as { port: number }).port);
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}
