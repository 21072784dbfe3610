import { InvokeEndpointCommand, InvokeEndpointWithResponseStreamCommand } from "@aws-sdk/client-sagemaker-runtime";
import type { Command } from "commander";
import { credentialsHint, defaultDataDir, defaultUrl, runtimeClient } from "./clients.js";

export function registerInvokeCommand(program: Command): void {
  program
    .command("invoke")
    .description("send one request to an endpoint (InvokeEndpoint), or stream the answer with --stream")
    .requiredOption("--endpoint <name>", "endpoint name")
    .option("--component <name>", "inference component name (for endpoints that host components)")
    .option("--body <text>", "request body", "{}")
    .option("--content-type <type>", "request content type", "application/json")
    .option("--custom-attributes <text>", "X-Amzn-SageMaker-Custom-Attributes to send")
    .option("--stream", "use InvokeEndpointWithResponseStream and print parts as they arrive")
    .option("--url <url>", "Berth server URL (env BERTH_URL)", defaultUrl)
    .option(
      "--data-dir <dir>",
      "the server's data dir, whose credentials.json holds the key used unless AWS_ACCESS_KEY_ID or AWS_PROFILE is set (env BERTH_DATA_DIR)",
      defaultDataDir,
    )
    .action(
      async (flags: {
        endpoint: string;
        component?: string;
        body: string;
        contentType: string;
        customAttributes?: string;
        stream?: boolean;
        url: string;
        dataDir: string;
      }) => {
        const client = runtimeClient(flags.url, flags.dataDir);
        const input = {
          EndpointName: flags.endpoint,
          InferenceComponentName: flags.component,
          Body: new TextEncoder().encode(flags.body),
          ContentType: flags.contentType,
          CustomAttributes: flags.customAttributes,
        };
        try {
          if (flags.stream) {
            const response = await client.send(new InvokeEndpointWithResponseStreamCommand(input));
            for await (const event of response.Body ?? []) {
              if (event.PayloadPart?.Bytes) process.stdout.write(Buffer.from(event.PayloadPart.Bytes));
            }
            process.stdout.write("\n");
          } else {
            const response = await client.send(new InvokeEndpointCommand(input));
            if (response.CustomAttributes) process.stderr.write(`CustomAttributes: ${response.CustomAttributes}\n`);
            process.stdout.write(Buffer.from(response.Body ?? new Uint8Array()).toString("utf8") + "\n");
          }
        } catch (error) {
          const e = error as Error & { $metadata?: { httpStatusCode?: number } };
          if (e.name === "TypeError" || (e as NodeJS.ErrnoException).code === "ECONNREFUSED") {
            process.stderr.write(`berth: cannot reach a Berth server at ${flags.url}. Start one with 'npm start' or pass --url.\n`);
          } else {
            process.stderr.write(`berth: ${e.name}: ${e.message}\n`);
            const hint = credentialsHint(e.name);
            if (hint) process.stderr.write(`${hint}\n`);
          }
          process.exit(1);
        }
      },
    );
}
