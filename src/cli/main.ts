import { Command } from "commander";
import { registerServerCommand } from "./server-command.js";
import { registerInstancesCommand } from "./instances-command.js";
import { registerInvokeCommand } from "./invoke-command.js";
import { registerSimulateCommand } from "./simulate-command.js";
import { registerKeysCommand } from "./keys-command.js";
import { registerClusterCommand } from "./cluster-command.js";
import { registerAgentCommand } from "./agent-command.js";

const program = new Command();
program.name("berth").description("Berth: pack many models onto shared GPU machines behind a SageMaker-compatible API").version("0.1.0");
registerServerCommand(program);
registerInstancesCommand(program);
registerInvokeCommand(program);
registerSimulateCommand(program);
registerKeysCommand(program);
registerClusterCommand(program);
registerAgentCommand(program);
await program.parseAsync(process.argv);
