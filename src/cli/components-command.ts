import { DescribeInferenceComponentCommand, paginateListInferenceComponents, type DescribeInferenceComponentCommandOutput } from "@aws-sdk/client-sagemaker";
import type { Command } from "commander";
import { sageMakerClient, withServerFlags, type ServerFlags } from "./clients.js";
import { withoutMetadata } from "./endpoints-command.js";
import { runCommand } from "./failures.js";
import { table } from "./table.js";

interface ComponentsFlags extends ServerFlags {
  endpoint?: string;
  json?: boolean;
}

export function registerComponentsCommand(program: Command): void {
  withServerFlags(
    program.command("components").description("list inference components: status, copies (current/desired), model, resources per copy, failure reasons"),
  )
    .option("--endpoint <name>", "only this endpoint's components")
    .option("--json", "print DescribeInferenceComponent's answer for each component, as JSON")
    .action(
      runCommand(
        (flags: ComponentsFlags) => flags.url,
        async (flags: ComponentsFlags) => {
          const sm = sageMakerClient(flags.url, flags.dataDir);
          const names: string[] = [];
          for await (const page of paginateListInferenceComponents({ client: sm }, { EndpointNameEquals: flags.endpoint }))
            for (const c of page.InferenceComponents ?? []) names.push(c.InferenceComponentName!);
          const components = (await Promise.all(names.map((name) => sm.send(new DescribeInferenceComponentCommand({ InferenceComponentName: name }))))).sort(
            (a, b) => a.EndpointName!.localeCompare(b.EndpointName!) || a.InferenceComponentName!.localeCompare(b.InferenceComponentName!),
          );
          if (flags.json) {
            process.stdout.write(JSON.stringify(components.map(withoutMetadata), null, 2) + "\n");
            return;
          }
          if (components.length === 0) {
            process.stdout.write(flags.endpoint ? `no inference components on ${flags.endpoint}\n` : "no inference components\n");
            return;
          }
          const rows = components.map((c) => [
            c.InferenceComponentName!,
            c.EndpointName!,
            c.InferenceComponentStatus ?? "",
            `${c.RuntimeConfig?.CurrentCopyCount ?? 0}/${c.RuntimeConfig?.DesiredCopyCount ?? 0}`,
            modelText(c),
            perCopyText(c),
            c.FailureReason ?? "",
          ]);
          process.stdout.write(table(["NAME", "ENDPOINT", "STATUS", "COPIES", "MODEL", "PER COPY", "FAILURE"], rows) + "\n");
        },
      ),
    );
}

function modelText(c: DescribeInferenceComponentCommandOutput): string {
  const spec = c.Specification;
  if (spec?.BaseInferenceComponentName) return `adapter of ${spec.BaseInferenceComponentName}`;
  return spec?.ModelName ?? spec?.Container?.DeployedImage?.SpecifiedImage ?? "";
}

function perCopyText(c: DescribeInferenceComponentCommandOutput): string {
  const r = c.Specification?.ComputeResourceRequirements;
  if (!r) return "";
  const parts = [];
  if (r.NumberOfAcceleratorDevicesRequired) parts.push(`${r.NumberOfAcceleratorDevicesRequired} accel`);
  if (r.NumberOfCpuCoresRequired) parts.push(`${r.NumberOfCpuCoresRequired} cpu`);
  if (r.MinMemoryRequiredInMb) parts.push(`${r.MinMemoryRequiredInMb} MiB`);
  return parts.join(", ");
}
