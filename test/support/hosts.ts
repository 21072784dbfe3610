import { execFile, execFileSync, spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { eventually } from "./wait.js";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * Test hosts on one machine: each host is a network namespace with one interface (`eth0`) and one address
 * on a private subnet; the hosts are joined by a bridge that lives in a namespace of its own, so nothing is
 * added to the machine's own network. Every process that talks to the hosts must run inside one of them
 * (`host.spawn`): from the root namespace the hosts' addresses route out of the machine.
 * Needs root, iproute2 (`ip`) and nftables (`nft`); `requireHostTools()` says what is missing.
 */
export interface TestHost {
  /** host0, host1, … */
  readonly name: string;
  /** The network namespace's name (unique per test run). */
  readonly netns: string;
  /** The host's IPv4 address on the test subnet. */
  readonly address: string;
  /** Starts a process inside the host (`ip netns exec`); it is killed by cleanup() at the latest. */
  spawn(command: string, args: string[], options?: SpawnOptions): ChildProcess;
  /** Runs a command inside the host and resolves with its output; rejects on a non-zero exit. */
  exec(command: string, args: string[], options?: { timeoutMs?: number }): Promise<{ stdout: string; stderr: string }>;
  /** Silently drops every packet in and out of the host's interface (an nftables table): peers see timeouts, not refusals. */
  cutOff(): Promise<void>;
  /** Deletes the cut-off table. */
  heal(): Promise<void>;
  /** Takes the host's interface down, as a pulled cable would. */
  hardCut(): Promise<void>;
  /** Brings the interface up again after hardCut(). */
  reconnect(): Promise<void>;
  /** The pids of every process inside the host. */
  pids(): Promise<number[]>;
  /**
   * A loopback port on the test machine whose connections are made from inside this host to `target`:
   * the test process can then use ordinary clients (the AWS SDK, fetch) at `url`, while the traffic to the
   * test hosts still leaves from a namespace. The Host header the target sees is `127.0.0.1:<port>`.
   */
  forward(target: { address: string; port: number }): Promise<Forward>;
}

export interface Forward {
  /** `http://127.0.0.1:<port>` */
  url: string;
  port: number;
  /** Stops the forwarding process (cleanup() does it too). */
  close(): Promise<void>;
}

export interface TestHosts {
  readonly hosts: TestHost[];
  /** The namespace holding the bridge. */
  readonly bridgeNetns: string;
  /** Every namespace this run created (the bridge's and the hosts'). */
  readonly namespaces: string[];
  /** Kills every process inside the hosts and deletes every namespace. Safe to call twice. */
  cleanup(): Promise<void>;
}

const prefix = "berth-t";
const cutOffTable = "berth_cutoff";
const subnet = "10.77.0";
let runs = 0;

function onPath(command: string): boolean {
  return (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").some((dir) => existsSync(`${dir}/${command}`));
}

/** Throws a message naming what to install or how to run, when the test hosts cannot be made here. */
export function requireHostTools(): void {
  const missing: string[] = [];
  if (process.getuid?.() !== 0)
    missing.push(`root (network namespaces need CAP_SYS_ADMIN; this test runs as uid ${process.getuid?.()}): run the suite as root, as .ci/run does`);
  if (!onPath("ip")) missing.push("the ip command: apt-get install iproute2");
  if (!onPath("nft")) missing.push("the nft command: apt-get install nftables");
  if (missing.length > 0) throw new Error(`the multi-host tests cannot run here; they need ${missing.join("; and ")}`);
}

function namespaceExists(netns: string): boolean {
  return existsSync(`/run/netns/${netns}`);
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function pidsInSync(netns: string): number[] {
  try {
    return execFileSync("ip", ["netns", "pids", netns], { encoding: "utf8" }).split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** Kills what is left in the namespaces and deletes them, synchronously: used when the test process exits. */
function removeNamespacesSync(namespaces: string[]): void {
  for (const netns of namespaces) for (const pid of pidsInSync(netns)) killQuietly(pid);
  for (const netns of namespaces) if (namespaceExists(netns)) execFileSync("ip", ["netns", "del", netns], { stdio: "ignore" });
}

function killQuietly(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/**
 * Removes namespaces that an earlier test process (now dead) left behind when it was killed before its
 * cleanup ran. Names carry the creating pid, so a running test's namespaces are never touched.
 */
function sweepOrphans(): void {
  if (!existsSync("/run/netns")) return;
  const orphans = readdirSync("/run/netns").filter((name) => {
    const owner = /^berth-t(\d+)-/.exec(name);
    return owner !== null && !pidAlive(Number(owner[1]));
  });
  removeNamespacesSync(orphans);
}

const live = new Set<string>();
process.once("exit", () => removeNamespacesSync([...live]));

async function ip(args: string[]): Promise<void> {
  try {
    await run("ip", args);
  } catch (error) {
    throw new Error(`ip ${args.join(" ")} failed: ${(error as { stderr?: string }).stderr?.trim() || (error as Error).message}`);
  }
}

/** Creates `count` hosts (at most 200) joined by a bridge. Call cleanup() in an after/finally. */
export async function createHosts(count: number): Promise<TestHosts> {
  requireHostTools();
  if (!Number.isInteger(count) || count < 1 || count > 200) throw new Error(`createHosts needs 1 to 200 hosts, not ${count}`);
  sweepOrphans();
  const tag = `${prefix}${process.pid}-${(runs++).toString(36)}${Math.random().toString(36).slice(2, 6)}`;
  const bridgeNetns = `${tag}-br`;
  const namespaces: string[] = [];
  const children = new Set<ChildProcess>();
  const addNamespace = async (netns: string) => {
    await ip(["netns", "add", netns]);
    namespaces.push(netns);
    live.add(netns);
    await ip(["-n", netns, "link", "set", "lo", "up"]);
  };
  let cleaned: Promise<void> | undefined;
  const cleanup = () => (cleaned ??= removeAll(namespaces, children));
  try {
    await addNamespace(bridgeNetns);
    await ip(["-n", bridgeNetns, "link", "add", "br0", "type", "bridge"]);
    await ip(["-n", bridgeNetns, "link", "set", "br0", "up"]);
    const hosts: TestHost[] = [];
    for (let i = 0; i < count; i++) {
      const netns = `${tag}-h${i}`;
      const address = `${subnet}.${10 + i}`;
      await addNamespace(netns);
      // Made inside the bridge's namespace with the peer moved straight into the host's, so the veth
      // names never meet another run's in the root namespace.
      await ip(["-n", bridgeNetns, "link", "add", `h${i}`, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      await ip(["-n", bridgeNetns, "link", "set", `h${i}`, "master", "br0", "up"]);
      await ip(["-n", netns, "addr", "add", `${address}/24`, "dev", "eth0"]);
      await ip(["-n", netns, "link", "set", "eth0", "up"]);
      hosts.push(makeHost(`host${i}`, netns, address, children));
    }
    return { hosts, bridgeNetns, namespaces, cleanup };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

function makeHost(name: string, netns: string, address: string, children: Set<ChildProcess>): TestHost {
  const nft = async (args: string[], input?: string) => {
    await new Promise<void>((resolve, reject) => {
      const child = execFile("ip", ["netns", "exec", netns, "nft", ...args], (error, _stdout, stderr) =>
        error ? reject(new Error(`nft ${args.join(" ")} in ${name} failed: ${String(stderr).trim() || error.message}`)) : resolve(),
      );
      child.stdin?.end(input ?? "");
    });
  };
  return {
    name,
    netns,
    address,
    spawn(command, args, options = {}) {
      const child = spawn("ip", ["netns", "exec", netns, command, ...args], options);
      children.add(child);
      child.once("exit", () => children.delete(child));
      return child;
    },
    async exec(command, args, options = {}) {
      const { stdout, stderr } = await run("ip", ["netns", "exec", netns, command, ...args], { timeout: options.timeoutMs ?? 30_000 });
      return { stdout: String(stdout), stderr: String(stderr) };
    },
    // Priority -300 runs before conntrack, so established connections are dropped too.
    cutOff: () =>
      nft(
        ["-f", "-"],
        `table inet ${cutOffTable} {\n` +
          `  chain input { type filter hook input priority -300; policy accept; iifname "eth0" drop; }\n` +
          `  chain output { type filter hook output priority -300; policy accept; oifname "eth0" drop; }\n` +
          `}\n`,
      ),
    heal: () => nft(["delete", "table", "inet", cutOffTable]),
    hardCut: () => ip(["-n", netns, "link", "set", "eth0", "down"]),
    reconnect: () => ip(["-n", netns, "link", "set", "eth0", "up"]),
    async pids() {
      const { stdout } = await run("ip", ["netns", "pids", netns]);
      return String(stdout).split(/\s+/).filter(Boolean).map(Number);
    },
    forward: (target) => forwardFrom(netns, target, children),
  };
}

/**
 * The listening socket is made here, in the root namespace, and handed to a process inside the host: it
 * accepts on loopback out here and connects to the target from in there.
 */
const forwarder = `
const net = require("node:net");
process.on("message", (target, server) => {
  server.on("connection", (socket) => {
    const upstream = net.connect(target.port, target.address);
    socket.pipe(upstream).pipe(socket);
    upstream.on("error", () => socket.destroy());
    socket.on("error", () => upstream.destroy());
  });
  process.send("ready");
});
process.on("disconnect", () => process.exit(0));
`;

async function forwardFrom(netns: string, target: { address: string; port: number }, children: Set<ChildProcess>): Promise<Forward> {
  const listener = createServer();
  await new Promise<void>((resolve) => listener.listen(0, "127.0.0.1", resolve));
  const port = (listener.address() as AddressInfo).port;
  const child = spawn("ip", ["netns", "exec", netns, process.execPath, "-e", forwarder], { stdio: ["ignore", "ignore", "inherit", "ipc"] });
  children.add(child);
  child.once("exit", () => children.delete(child));
  try {
    await new Promise<void>((resolve, reject) => {
      child.once("message", () => resolve());
      child.once("exit", (code) => reject(new Error(`the forwarder in ${netns} exited with ${code} before it was ready`)));
      child.send(target, listener);
    });
  } finally {
    // From here only the child accepts.
    listener.close();
  }
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    close: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGKILL");
      await exited;
    },
  };
}

async function removeAll(namespaces: string[], children: Set<ChildProcess>): Promise<void> {
  for (const child of children) child.kill("SIGKILL");
  for (const netns of namespaces) {
    // A process inside keeps the namespace alive after `ip netns del`; kill until none is left.
    await eventually(
      async () => {
        const left = pidsInSync(netns);
        for (const pid of left) killQuietly(pid);
        return left.length === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 20, what: () => `processes ${pidsInSync(netns).join(", ")} in network namespace ${netns} to die on SIGKILL` },
    );
  }
  for (const netns of [...namespaces].reverse()) {
    if (namespaceExists(netns)) await ip(["netns", "del", netns]);
    live.delete(netns);
  }
}
