import type { Command } from "commander";
import { berthRequest } from "./berth-request.js";
import { withServerFlags, type ServerFlags } from "./clients.js";
import { CliError, exitCodes, runCommand } from "./failures.js";

interface LogsFlags extends ServerFlags {
  copy?: string;
  follow?: boolean;
  tail: string;
  json?: boolean;
}

export function registerLogsCommand(program: Command): void {
  withServerFlags(
    program
      .command("logs")
      .argument("<component>", "the inference component")
      .description("print what an inference component's copies wrote to stdout and stderr; --follow keeps printing new lines"),
  )
    .option("--copy <n>", "only copy n (the number at the end of its id, e.g. 2 for shop-echo-2)")
    .option("-f, --follow", "keep printing new lines until interrupted")
    .option("--tail <n>", "how many of the last lines to print first", "100")
    .option("--json", "print each line as JSON: {time, copy, stream, text}")
    .action(
      runCommand(
        (_component: string, flags: LogsFlags) => flags.url,
        async (component: string, flags: LogsFlags) => {
          if (!/^\d+$/.test(flags.tail)) throw new CliError(`--tail must be a whole number, found '${flags.tail}'`, exitCodes.badInput);
          if (flags.copy !== undefined && !/^\d+$/.test(flags.copy))
            throw new CliError(`--copy must be a copy's number (e.g. 2), found '${flags.copy}'`, exitCodes.badInput);
          const query = new URLSearchParams({ tail: flags.tail });
          if (flags.copy !== undefined) query.set("copy", flags.copy);
          if (flags.follow) query.set("follow", "true");
          const response = await berthRequest(flags, `/berth/v1/components/${encodeURIComponent(component)}/logs?${query}`);
          const print = (line: string) => {
            if (line === "") return;
            if (flags.json) return process.stdout.write(`${line}\n`);
            const l = JSON.parse(line) as { copy: string; stream: string; text: string };
            process.stdout.write(`${l.copy}${l.stream === "stderr" ? " (stderr)" : ""}  ${l.text}\n`);
          };
          let pending = "";
          const decoder = new TextDecoder();
          for await (const chunk of response.body ?? []) {
            pending += decoder.decode(chunk as Uint8Array, { stream: true });
            const lines = pending.split("\n");
            pending = lines.pop()!;
            lines.forEach(print);
          }
          print(pending);
        },
      ),
    );
}
