import { createInterface } from "node:readline/promises";
import type { Command } from "commander";
import { parseSeconds } from "../sim/duration.js";
import { sageMakerClient, withServerFlags, type ServerFlags } from "./clients.js";
import { AppFileError, readAppFile } from "./deploy/app-file.js";
import { desiredState } from "./deploy/inputs.js";
import { planDeploy, type Change } from "./deploy/plan.js";
import { waitUntilInService } from "./deploy/wait.js";
import { CliError, exitCodes, runCommand } from "./failures.js";
import { StatusLines } from "./status-lines.js";

interface DeployFlags extends ServerFlags {
  file: string;
  yes?: boolean;
  dryRun?: boolean;
  wait: boolean;
  timeout: string;
}

const symbols = { create: "+", update: "~", unchanged: "=" } as const;

export function registerDeployCommand(program: Command): void {
  withServerFlags(
    program
      .command("deploy")
      .description("apply a deploy file (endpoint, models, inference components, autoscaling): show what changes, apply it, wait until all is in service"),
  )
    .requiredOption("-f, --file <app.yaml>", "the deploy file (YAML or JSON; README 'Deploying from a file')")
    .option("--dry-run", "show what would change, and change nothing")
    .option("-y, --yes", "apply without asking (needed when there is no terminal to ask on)")
    .option("--no-wait", "return once the changes are sent, without waiting until all is in service")
    .option("--timeout <time>", "how long to wait until all is in service, e.g. 90s, 15m", "15m")
    .action(runCommand((flags: DeployFlags) => flags.url, deploy));
}

async function deploy(flags: DeployFlags): Promise<void> {
  let timeoutS: number;
  try {
    timeoutS = parseSeconds(flags.timeout, "--timeout");
  } catch (error) {
    throw new CliError((error as Error).message, exitCodes.badInput);
  }
  let desired;
  try {
    desired = desiredState(readAppFile(flags.file), flags.file);
  } catch (error) {
    if (error instanceof AppFileError) throw new CliError(error.message, exitCodes.badInput);
    throw error;
  }
  const sm = sageMakerClient(flags.url, flags.dataDir);
  const changes = await planDeploy(sm, flags, desired);
  const out = process.stdout;
  out.write(diffText(changes));
  const toApply = changes.filter((c) => c.apply);
  if (toApply.length === 0) out.write(`no changes: ${flags.file} matches what is deployed\n`);
  if (flags.dryRun) return;
  if (toApply.length > 0) {
    if (!flags.yes && !(await confirmed())) return;
    for (const change of toApply) {
      await change.apply!();
      out.write(`${change.action === "create" ? "created" : "updated"} ${change.kind} ${change.name}\n`);
    }
  }
  if (!flags.wait) return;
  await waitUntilInService(sm, desired, { timeoutMs: timeoutS * 1000, pollMs: 1000, lines: new StatusLines(out) });
  out.write(`all in service: endpoint ${desired.endpoint.EndpointName} with ${desired.components.map((c) => c.input.InferenceComponentName).join(", ")}\n`);
}

export function diffText(changes: Change[]): string {
  const width = Math.max(...changes.map((c) => `${c.kind} ${c.name}`.length));
  const lines = changes.map((c) => {
    const head = `${symbols[c.action]} ${`${c.kind} ${c.name}`.padEnd(width)}`;
    const what = c.action === "unchanged" ? "unchanged" : c.details.join("; ");
    return `${head}  ${what}`.trimEnd();
  });
  const count = (action: Change["action"]) => changes.filter((c) => c.action === action).length;
  return `${lines.join("\n")}\n${count("create")} to create, ${count("update")} to change, ${count("unchanged")} unchanged\n`;
}

async function confirmed(): Promise<boolean> {
  if (!process.stdin.isTTY || !process.stdout.isTTY)
    throw new CliError(
      "not applied: there is no terminal to ask on. Pass --yes to apply these changes, or --dry-run to only show them.",
      exitCodes.notConfirmed,
    );
  const rl = createInterface({ input: process.stdin, output: process.stdout });
  const answer = await rl.question("Apply these changes? [y/N] ");
  rl.close();
  if (/^y(es)?$/i.test(answer.trim())) return true;
  throw new CliError("not applied: nothing was changed.", exitCodes.notConfirmed);
}
