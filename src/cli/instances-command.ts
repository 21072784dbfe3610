import type { Command } from "commander";
import type { PlacementViewInstance } from "../operations/placement-view.js";
import { defaultDataDir, defaultUrl } from "./clients.js";
import { getBerthView } from "./berth-request.js";

export function registerInstancesCommand(program: Command): void {
  program
    .command("instances")
    .description("show each instance, its free capacity and the copies placed on it")
    .option("--endpoint <name>", "only this endpoint")
    .option("--url <url>", "Berth server URL (env BERTH_URL)", defaultUrl)
    .option("--json", "print the raw JSON")
    .option(
      "--data-dir <dir>",
      "the server's data dir, whose credentials.json holds the key used unless AWS_ACCESS_KEY_ID or AWS_PROFILE is set (env BERTH_DATA_DIR)",
      defaultDataDir,
    )
    .action(async (flags: { endpoint?: string; url: string; json?: boolean; dataDir: string }) => {
      const query = flags.endpoint ? `?endpoint=${encodeURIComponent(flags.endpoint)}` : "";
      const view = (await getBerthView(flags, `/berth/v1/instances${query}`)) as { instances: PlacementViewInstance[] };
      if (flags.json) {
        process.stdout.write(JSON.stringify(view, null, 2) + "\n");
        return;
      }
      if (view.instances.length === 0) {
        process.stdout.write("no instances\n");
        return;
      }
      for (const i of view.instances) {
        process.stdout.write(
          `${i.instanceId}  ${i.instanceType}  ${i.state}  free: ${i.free.accelerators}/${i.capacity.accelerators} accel, ` +
            `${i.free.cpuCores}/${i.capacity.cpuCores} cpu, ${i.free.memoryMiB}/${i.capacity.memoryMiB} MiB\n`,
        );
        for (const d of i.devices) {
          if (!d.shares) continue;
          const held = d.shares.map((s) => `${s.copyId} ${s.memoryMiB} MiB${s.computePercent ? ` ${s.computePercent}%` : ""}`).join(", ");
          process.stdout.write(`  device ${d.index} (${d.name}, ${d.memoryMiB} MiB): ${d.freeMemoryMiB} MiB free; shared by ${held}\n`);
        }
        for (const c of i.copies) {
          const devices = c.share ? ` ${c.share.memoryMiB} MiB of device ${c.devices[0]}` : c.devices.length > 0 ? ` devices ${c.devices.join(",")}` : "";
          process.stdout.write(
            `  ${c.copyId.padEnd(28)} ${c.phase.padEnd(10)} ${c.state.padEnd(8)}${devices} cpu ${c.cpuCores} mem ${c.memoryMiB} MiB${c.port ? ` port ${c.port}` : ""}\n`,
          );
        }
      }
    });
}
