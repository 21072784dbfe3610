import {
  DescribeEndpointCommand,
  DescribeEndpointConfigCommand,
  paginateListEndpoints,
  paginateListInferenceComponents,
  type DescribeEndpointCommandOutput,
} from "@aws-sdk/client-sagemaker";
import type { Command } from "commander";
import { sageMakerClient, withServerFlags, type ServerFlags } from "./clients.js";
import { runCommand } from "./failures.js";
import { table } from "./table.js";

interface EndpointsFlags extends ServerFlags {
  json?: boolean;
}

export function registerEndpointsCommand(program: Command): void {
  withServerFlags(program.command("endpoints").description("list endpoints: status, instances, inference components, failure reasons"))
    .option("--json", "print DescribeEndpoint's answer for each endpoint, as JSON")
    .action(
      runCommand(
        (flags: EndpointsFlags) => flags.url,
        async (flags: EndpointsFlags) => {
          const sm = sageMakerClient(flags.url, flags.dataDir);
          const names: string[] = [];
          for await (const page of paginateListEndpoints({ client: sm }, {})) for (const e of page.Endpoints ?? []) names.push(e.EndpointName!);
          const endpoints = await Promise.all(names.map((name) => sm.send(new DescribeEndpointCommand({ EndpointName: name }))));
          const configs = new Map<string, Map<string, string>>();
          for (const e of endpoints) {
            if (configs.has(e.EndpointConfigName!)) continue;
            const config = await sm.send(new DescribeEndpointConfigCommand({ EndpointConfigName: e.EndpointConfigName })).catch(() => undefined);
            configs.set(e.EndpointConfigName!, new Map((config?.ProductionVariants ?? []).map((v) => [v.VariantName!, v.InstanceType ?? "serverless"])));
          }
          const components = new Map<string, number>();
          for await (const page of paginateListInferenceComponents({ client: sm }, {}))
            for (const c of page.InferenceComponents ?? []) components.set(c.EndpointName!, (components.get(c.EndpointName!) ?? 0) + 1);
          if (flags.json) {
            process.stdout.write(JSON.stringify(endpoints.map(withoutMetadata), null, 2) + "\n");
            return;
          }
          if (endpoints.length === 0) {
            process.stdout.write("no endpoints\n");
            return;
          }
          const rows = endpoints
            .sort((a, b) => a.EndpointName!.localeCompare(b.EndpointName!))
            .map((e) => [
              e.EndpointName!,
              e.EndpointStatus ?? "",
              instancesText(e, configs.get(e.EndpointConfigName!)),
              String(components.get(e.EndpointName!) ?? 0),
              e.CreationTime?.toISOString() ?? "",
              e.FailureReason ?? "",
            ]);
          process.stdout.write(table(["NAME", "STATUS", "INSTANCES", "COMPONENTS", "CREATED", "FAILURE"], rows) + "\n");
        },
      ),
    );
}

/** Current/desired instances per variant, with the type its endpoint config names. */
function instancesText(e: DescribeEndpointCommandOutput, types: Map<string, string> | undefined): string {
  return (e.ProductionVariants ?? [])
    .map((v) => `${v.VariantName}: ${v.CurrentInstanceCount ?? 0}/${v.DesiredInstanceCount ?? 0} ${types?.get(v.VariantName!) ?? ""}`.trimEnd())
    .join(", ");
}

/** The SDK's answer without its transport metadata, for --json. */
export function withoutMetadata<T extends { $metadata?: unknown }>(answer: T): Omit<T, "$metadata"> {
  const { $metadata: _metadata, ...rest } = answer;
  return rest;
}
