import type { Command } from "commander";
import type { ClusterView } from "../domain/cluster.js";
import { defaultDataDir, defaultUrl } from "./clients.js";
import { getBerthView } from "./berth-request.js";
import { table } from "./table.js";

interface ClusterFlags {
  url: string;
  json?: boolean;
  dataDir: string;
}

export function registerClusterCommand(program: Command): void {
  const withServerFlags = (command: Command) =>
    command
      .option("--url <url>", "Berth server URL, any replica (env BERTH_URL)", defaultUrl)
      .option(
        "--data-dir <dir>",
        "the server's data dir, whose credentials.json holds the key used unless AWS_ACCESS_KEY_ID or AWS_PROFILE is set (env BERTH_DATA_DIR)",
        defaultDataDir,
      );
  const cluster = withServerFlags(program.command("cluster").description("show the server replicas, the controller leader and the agents with their leases"))
    .option("--json", "print the raw JSON")
    .action(async (flags: ClusterFlags) => {
      const view = (await getBerthView(flags, "/berth/v1/cluster")) as ClusterView;
      if (flags.json) process.stdout.write(JSON.stringify(view, null, 2) + "\n");
      else process.stdout.write(clusterTable(view));
    });
  // --url and --data-dir are the parent's: commander takes them before or after "join-token".
  cluster
    .command("join-token")
    .description("print the token agents join with: berth agent --token <token> (administrators only)")
    .action(async () => {
      const answer = (await getBerthView(cluster.opts() as ClusterFlags, "/berth/v1/cluster/join-token")) as { joinToken: string };
      process.stdout.write(`${answer.joinToken}\n`);
    });
}

export function clusterTable(view: ClusterView): string {
  const lines: string[] = [`mode: ${view.mode}`];
  lines.push(view.leader ? `leader: ${view.leader.replicaId} since ${view.leader.since}` : "leader: none (an election is under way)");
  lines.push(
    "",
    table(
      ["REPLICA", "URL", "LEADER", "STARTED"],
      view.replicas.map((r) => [r.id, r.url, r.leader ? "yes" : "", r.startedAt]),
    ),
  );
  lines.push(
    "",
    view.agents.length === 0
      ? "no agents"
      : table(
          ["AGENT", "TYPE", "ADVERTISE", "DEVICES", "CLAIM", "LEASE"],
          view.agents.map((a) => [
            a.id,
            a.instanceType,
            a.advertise,
            String(a.devices.length),
            a.claim ? `${a.claim.endpointName}/${a.claim.variantName} (${a.claim.instanceId})` : "free",
            a.lease.alive ? `alive (ttl ${a.lease.ttlSeconds}s)` : "expired",
          ]),
        ),
  );
  return lines.join("\n") + "\n";
}
