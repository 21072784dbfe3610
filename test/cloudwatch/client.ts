import { CloudWatchClient } from "@aws-sdk/client-cloudwatch";
import { credentials } from "../support/berth-process.js";

export function cloudWatchClient(url: string): CloudWatchClient {
  return new CloudWatchClient({ endpoint: url, region: "us-east-1", credentials, maxAttempts: 1 });
}

/** The modelled error the SDK raised: its class name and the awsQuery code it copied from x-amzn-query-error. */
export function expectError(name: string, code: string, message?: RegExp) {
  return (error: Error & { Code?: string; Type?: string; $metadata?: { httpStatusCode?: number } }) => {
    if (error.name !== name) throw new Error(`expected ${name}, got ${error.name}: ${error.message}`);
    if (error.Code !== code) throw new Error(`expected query code ${code}, got ${error.Code}`);
    if (message && !message.test(error.message)) throw new Error(`message '${error.message}' does not match ${message}`);
    return true;
  };
}
