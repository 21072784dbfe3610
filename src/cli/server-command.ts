import type { Command } from "commander";
import { ConfigError, loadConfig, parseDuration, type BerthConfig } from "../config/config.js";
import { parseStoreSetting } from "../config/store.js";
import { administratorKeyName, readKeys } from "../auth/keys-file.js";
import { startServer } from "../server/server.js";
import { storageMessages } from "../domain/errors/storage.js";
import { StorageFaultError } from "../store/storage-fault.js";
import { createLogger } from "../util/logger.js";
import { sageMakerClient } from "./clients.js";
import { demoInstructions, setUpDemo, waitForDemo } from "./demo.js";

export function registerServerCommand(program: Command): void {
  program
    .command("server")
    .description("start the all-in-one Berth server (API, controllers, agent, router) on one port")
    .option("--port <port>", "port to listen on (env BERTH_PORT; default 8080)")
    .option("--host <host>", "address to listen on (env BERTH_HOST; default 127.0.0.1)")
    .option("--data-dir <dir>", "where state is kept (env BERTH_DATA_DIR; default ./berth-data)")
    .option(
      "--store <store>",
      "sqlite (default: one file in the data dir) or etcd://host:port[,host:port...] to run as one replica of a cluster (env BERTH_STORE)",
    )
    .option("--config <file>", "YAML or JSON config file (env BERTH_CONFIG)")
    .option("--log-format <format>", "pretty or json (env BERTH_LOG_FORMAT)")
    .option("--log-level <level>", "debug, info, warn or error (env BERTH_LOG_LEVEL)")
    .option(
      "--scaling-period <duration>",
      "real time that SageMaker's 60 s scaling period lasts, e.g. 1s for demos and tests; shortens cooldowns and delays alike (env BERTH_SCALING_PERIOD)",
    )
    .option(
      "--router-workers <n>",
      "processes that route invocations, sharing the port; this process keeps the store and the controllers (routerWorkers; default 1: this process alone)",
    )
    .option("--demo", "also create a demo endpoint with two inference components (berth/echo and berth/llm)")
    .option("--insecure-no-auth", "accept unsigned requests from anyone who can reach the port (loopback hosts only; auth.enabled: false)")
    .option("--tls-cert <file>", "PEM certificate (chain): serve https on the port (tls.cert)")
    .option("--tls-key <file>", "PEM private key of --tls-cert (tls.key)")
    .option("--replica-id <id>", "this replica's name in a cluster (cluster.replicaId, env BERTH_REPLICA_ID; default <hostname>-<port>)")
    .option("--advertise-url <url>", "where the other replicas reach this one, e.g. http://10.0.0.5:8080 (cluster.advertiseUrl, env BERTH_ADVERTISE_URL)")
    .action(
      async (flags: {
        port?: string;
        host?: string;
        dataDir?: string;
        store?: string;
        config?: string;
        logFormat?: string;
        logLevel?: string;
        demo?: boolean;
        scalingPeriod?: string;
        insecureNoAuth?: boolean;
        tlsCert?: string;
        tlsKey?: string;
        replicaId?: string;
        advertiseUrl?: string;
        routerWorkers?: string;
      }) => {
        let config: BerthConfig;
        try {
          config = loadConfig({
            file: flags.config,
            flags: {
              port: flags.port === undefined ? undefined : Number(flags.port),
              host: flags.host,
              dataDir: flags.dataDir,
              store: flags.store === undefined ? undefined : parseStoreSetting(flags.store),
              logFormat: flags.logFormat as BerthConfig["logFormat"] | undefined,
              logLevel: flags.logLevel,
              scalingPeriodSeconds: flags.scalingPeriod === undefined ? undefined : parseDuration(flags.scalingPeriod, "--scaling-period"),
              auth: flags.insecureNoAuth ? { enabled: false } : undefined,
              tls: { cert: flags.tlsCert, key: flags.tlsKey },
              cluster: { replicaId: flags.replicaId, advertiseUrl: flags.advertiseUrl },
              routerWorkers: flags.routerWorkers === undefined ? undefined : Number(flags.routerWorkers),
            },
          });
        } catch (error) {
          if (error instanceof ConfigError) {
            process.stderr.write(`berth: ${error.message}\n`);
            process.exit(2);
          }
          throw error;
        }
        const log = createLogger({ level: config.logLevel, pretty: config.logFormat === "pretty" });
        // A stop asked for while the server starts (its port may already answer) waits for the start to finish.
        // One listener for the process's whole life: removing a signal's last listener closes its handle, and
        // a signal caught but not yet delivered to JavaScript is then lost.
        let stopAsked: string | undefined;
        let onStop: (signal: string) => void = (signal) => (stopAsked = signal);
        process.once("SIGTERM", () => onStop("SIGTERM"));
        process.once("SIGINT", () => onStop("SIGINT"));
        let server;
        try {
          server = await startServer(config, { log });
        } catch (error) {
          const e = error as NodeJS.ErrnoException;
          const fault = StorageFaultError.from(error, config.dataDir);
          if (e.code === "EADDRINUSE") log.error(`port ${config.port} on ${config.host} is already in use; stop the other process or pass --port`);
          // Plain stderr, like a config error: the pretty logger writes from a worker that exit() may cut off.
          else if (fault) process.stderr.write(`berth: ${storageMessages.startup(fault.kind, fault.dataDir, fault.code)}\n`);
          else if (e.name === "CopyUserError" || e.name === "StoreUnavailableError" || e.name === "ReplicaIdInUseError") log.error(e.message);
          else log.error({ err: error }, "Berth failed to start");
          log.flush?.();
          process.exit(1);
        }
        const shutdown = (signal: string) => {
          log.info(`${signal} received; shutting down`);
          // Open requests get stopDrainSeconds; stopping the copies and flushing the stores, 30 s more.
          const limitSeconds = config.stopDrainSeconds + 30;
          const force = setTimeout(() => {
            log.error(`shutdown took longer than ${limitSeconds} s; exiting anyway`);
            process.exit(1);
          }, limitSeconds * 1000);
          force.unref();
          server.close().then(
            () => {
              log.info("stopped cleanly");
              log.flush?.();
              process.exit(0);
            },
            (error) => {
              log.error({ err: error }, "error during shutdown");
              process.exit(1);
            },
          );
        };
        onStop = shutdown;
        if (stopAsked) return shutdown(stopAsked);
        if (flags.demo) {
          // The demo signs with the data dir's administrator key, whatever AWS_* variables say.
          const key = config.auth.enabled ? readKeys(config.dataDir).find((k) => k.name === administratorKeyName) : undefined;
          if (config.auth.enabled && !key) {
            log.error(
              `the demo needs the '${administratorKeyName}' key in ${config.dataDir}/credentials.json; create one with 'berth keys create --name ${administratorKeyName}'`,
            );
            return;
          }
          const sm = sageMakerClient(server.url, key ?? { accessKeyId: "BERTHDEMONOAUTH00000", secretAccessKey: "authentication-is-off-for-this-demo-run" });
          try {
            await setUpDemo(sm, log);
            const ready = await waitForDemo(sm, log);
            if (ready) log.info(demoInstructions(server.url, key));
            else log.error("the demo components did not become InService; see the log lines above for the reason");
          } catch (error) {
            log.error({ err: error }, "could not set up the demo");
          }
        }
      },
    );
}
