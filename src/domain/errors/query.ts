import { BerthError } from "./berth-error.js";

/**
 * Errors of the awsQuery protocol itself (form-encoded Action=…&Version=…), before an operation runs. Codes
 * are AWS's common query errors (https://docs.aws.amazon.com/AmazonCloudWatch/latest/APIReference/CommonErrors.html).
 */
const query = (code: string, message: string) => new BerthError({ code, queryCode: code, httpStatus: 400, message });

export const queryErrors = {
  missingAction: () =>
    query("MissingAction", "The request has no Action parameter. Name the operation in the form body, e.g. Action=ListMetrics&Version=2010-08-01."),
  invalidAction: (action: string, served: string[]) =>
    query("InvalidAction", `The action ${action} is not valid for this web service. Berth serves these CloudWatch actions: ${served.join(", ")}.`),
  wrongVersion: (version: string, apiVersion: string) =>
    query("InvalidAction", `Version ${version} is not supported: Berth's CloudWatch speaks version ${apiVersion}. Send Version=${apiVersion}.`),
  invalidValue: (parameter: string, value: string, expected: string) =>
    query("InvalidParameterValue", `Value '${clip(value)}' for parameter ${parameter} is invalid: it must be ${expected}.`),
  malformedParameter: (parameter: string, expected: string) => query("MalformedQueryString", `The parameter ${parameter} is malformed: ${expected}.`),
};

function clip(value: string): string {
  return value.length > 100 ? `${value.slice(0, 100)}...` : value;
}
