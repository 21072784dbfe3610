import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { hostname } from "node:os";
import { join } from "node:path";
import type { Command } from "commander";
import { ConfigError, loadConfig, type BerthConfig } from "../config/config.js";
import { InstanceCatalog } from "../domain/catalog/instance-catalog.js";
import { discoverGpus } from "../instances/gpu-discovery.js";
import { buildCopySandbox } from "../agent/sandbox-setup.js";
import { AgentRefused, RemoteAgent } from "../agent/remote/remote-agent.js";
import { firstHostAddress, hostDevices, instanceTypeFor, parseHostPort } from "../agent/remote/host-devices.js";
import { agentIdPattern } from "../cluster/agent-api/registration.js";
import { prepareDataDir } from "../store/storage-fault.js";
import { systemClock } from "../util/clock.js";
import { createLogger } from "../util/logger.js";

interface AgentFlags {
  server: string;
  token?: string;
  instanceType?: string;
  advertise?: string;
  name?: string;
  dataDir?: string;
  gpus?: string;
  config?: string;
  logFormat?: string;
  logLevel?: string;
}

export function registerAgentCommand(program: Command): void {
  program
    .command("agent")
    .description("join a Berth cluster as a GPU host: register with the servers and run the model copies placed on this host")
    .requiredOption("--server <urls>", "the server replicas' URLs, comma-separated; the agent fails over between them")
    .option("--token <token>", "the cluster's join token (env BERTH_JOIN_TOKEN)")
    .option("--instance-type <type>", "what this host is, e.g. ml.g5.12xlarge (default: the catalog type matching the GPUs nvidia-smi finds)")
    .option("--advertise <host:port>", "where routers on other hosts reach this agent's copy proxy (default: first non-loopback address, a free port)")
    .option("--name <agentId>", "this agent's id in the cluster (default: the host name)")
    .option("--data-dir <dir>", "where the agent keeps its files; copies' files go to <dir>-copies (default ./berth-agent-data)")
    .option("--gpus <n>", "how many GPUs to declare (default: all that nvidia-smi finds, else the instance type's count, modelled)")
    .option("--config <file>", "YAML or JSON config file for images, artifacts and copies settings (env BERTH_CONFIG)")
    .option("--log-format <format>", "pretty or json (env BERTH_LOG_FORMAT)")
    .option("--log-level <level>", "debug, info, warn or error (env BERTH_LOG_LEVEL)")
    .action(async (flags: AgentFlags) => {
      let config: BerthConfig;
      let settings: ReturnType<typeof checkFlags>;
      try {
        config = loadConfig({
          file: flags.config,
          flags: {
            dataDir: flags.dataDir ?? process.env.BERTH_DATA_DIR ?? "./berth-agent-data",
            logFormat: flags.logFormat as BerthConfig["logFormat"] | undefined,
            logLevel: flags.logLevel,
          },
        });
        settings = checkFlags(flags, config);
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(`berth agent: ${error.message}\n`);
          process.exit(2);
        }
        throw error;
      }
      const log = createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty" });
      const fail = (message: string) => {
        log.error(message);
        log.flush?.();
        process.exit(1);
      };
      let agent: RemoteAgent;
      try {
        prepareDataDir(config.dataDir);
        const gpus = await discoverGpus();
        const instanceType = settings.instanceType ?? instanceTypeFor(gpus, settings.catalog);
        if (!instanceType)
          return fail(
            gpus.length > 0
              ? `found ${gpus.length} GPU(s) (${gpus[0]!.name}) but no single instance type matches them; pass --instance-type`
              : "nvidia-smi found no GPU on this host; pass --instance-type (its GPUs are then modelled from the catalog)",
          );
        const spec = settings.catalog.get(instanceType);
        if (!spec)
          return fail(`--instance-type ${instanceType} is not a known instance type; known types include ${settings.catalog.suggest(instanceType).join(", ")}`);
        const devices = hostDevices(gpus, spec, settings.gpus);
        log.info(
          gpus.length > 0
            ? `found ${gpus.length} GPU(s): ${gpus.map((g) => `${g.index}:${g.name}`).join(", ")}`
            : `no GPUs found by nvidia-smi; declaring ${devices.length} modelled ${spec.accelerator?.model ?? "GPU"}(s) of ${instanceType}`,
        );
        const sandbox = await buildCopySandbox(config.copies, config.dataDir, log.child({ component: "agent" }));
        agent = new RemoteAgent({
          servers: settings.servers,
          joinToken: settings.token,
          agentId: settings.agentId,
          installId: installIdIn(config.dataDir),
          instanceType,
          devices,
          listen: { host: "0.0.0.0", port: settings.advertise?.port ?? 0 },
          advertiseHost: settings.advertise?.host ?? firstHostAddress() ?? "127.0.0.1",
          sandbox,
          images: config.images,
          containers: config.containers,
          artifacts: config.artifacts,
          mps: config.copies.mps,
          timings: { livenessIntervalMs: config.copies.livenessIntervalSeconds * 1000 },
          clock: systemClock,
          log,
        });
        const { done } = await agent.start();
        done.then(
          () => {
            log.info("stopped cleanly");
            log.flush?.();
            process.exit(0);
          },
          (error: Error) => fail(error instanceof AgentRefused ? error.message : `the agent failed: ${error.stack ?? error.message}`),
        );
      } catch (error) {
        const e = error as NodeJS.ErrnoException;
        if (e.code === "EADDRINUSE") return fail(`the proxy port ${settings.advertise?.port} is already in use; pass another --advertise port`);
        return fail(e.name === "CopyUserError" ? e.message : `the agent failed to start: ${e.message}`);
      }
      const shutdown = (signal: string) => {
        log.info(`${signal} received; stopping copies and leaving the cluster`);
        setTimeout(() => fail("shutdown took longer than 90 s; exiting anyway"), 90_000).unref();
        void agent.stop();
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
}

function checkFlags(flags: AgentFlags, config: BerthConfig) {
  const servers = flags.server
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
  for (const server of servers)
    if (!/^https?:\/\/[^/]+\/?$/.test(server)) throw new ConfigError(`--server ${server} must be a URL such as http://10.0.0.1:8080`);
  if (servers.length === 0) throw new ConfigError("--server needs at least one server URL, e.g. --server http://10.0.0.1:8080");
  const token = flags.token ?? process.env.BERTH_JOIN_TOKEN;
  if (!token) throw new ConfigError("--token (or BERTH_JOIN_TOKEN) is required: the cluster's join token, shown by 'berth cluster' on a server");
  const agentId = flags.name ?? hostname();
  if (!agentIdPattern.test(agentId)) throw new ConfigError(`--name '${agentId}' must be 1 to 63 letters, digits, '.', '_' or '-'`);
  const advertise = flags.advertise === undefined ? undefined : parseHostPort(flags.advertise);
  if (flags.advertise !== undefined && !advertise) throw new ConfigError(`--advertise must be host:port, e.g. 10.0.0.7:7070, got '${flags.advertise}'`);
  const gpus = flags.gpus === undefined ? undefined : Number(flags.gpus);
  if (gpus !== undefined && !(Number.isInteger(gpus) && gpus >= 0 && gpus <= 64))
    throw new ConfigError(`--gpus must be a whole number from 0 to 64, got '${flags.gpus}'`);
  const catalog = new InstanceCatalog(config.instanceTypes);
  if (flags.instanceType !== undefined && !catalog.get(flags.instanceType))
    throw new ConfigError(
      `--instance-type ${flags.instanceType} is not a known instance type; known types include ${catalog.suggest(flags.instanceType).join(", ")}`,
    );
  return { servers, token, agentId, advertise, gpus, catalog, instanceType: flags.instanceType };
}

/** The random id this installation keeps in its data dir, made on first start: it tells a restart of this agent from another host using its name. */
function installIdIn(dataDir: string): string {
  const file = join(dataDir, "agent-install-id");
  try {
    const kept = readFileSync(file, "utf8").trim();
    if (/^[A-Za-z0-9_-]{8,64}$/.test(kept)) return kept;
  } catch {
    // None yet: made below.
  }
  const made = randomBytes(16).toString("base64url");
  writeFileSync(file, `${made}\n`, { mode: 0o600 });
  return made;
}
