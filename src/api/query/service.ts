import type { IncomingMessage, ServerResponse } from "node:http";
import type { BerthError } from "../../domain/errors/berth-error.js";
import { queryErrors } from "../../domain/errors/query.js";
import type { JsonService } from "../awsjson/service.js";
import type { RequestContext } from "../http/context.js";
import { toWireError } from "../http/wire-error.js";
import { fromQueryParams } from "./deserialize.js";
import { toQueryError, toQueryResponse } from "./serialize.js";

/**
 * A JSON service's operations over the awsQuery protocol (POST / with a form body naming Action and
 * Version; XML answers), as older SDKs and Debian's AWS CLI v2 call CloudWatch. The form is translated
 * into the JSON input and run through the JSON service's own validation, authorization and handlers.
 */
export class QueryService {
  readonly #json: JsonService;
  readonly signingName: string;

  constructor(json: JsonService, signingName: string) {
    this.#json = json;
    this.signingName = signingName;
  }

  async handle(req: IncomingMessage, res: ServerResponse, ctx: RequestContext): Promise<void> {
    let action: string | null = null;
    try {
      // The body is read first: reading it finishes verifying the signature, before anything else is answered.
      const params = new URLSearchParams((await this.#json.readRequestBody(req, ctx)).toString("utf8"));
      action = params.get("Action");
      const output = await this.#run(action, params, ctx);
      const body = toQueryResponse(this.#json.model, action!, output, ctx.requestId);
      res.writeHead(200, { "content-type": "text/xml", "content-length": Buffer.byteLength(body), "x-amzn-requestid": ctx.requestId });
      res.end(body);
    } catch (error) {
      const { wire, unexpected } = toWireError(error, ctx.requestId);
      if (unexpected) ctx.log.error({ err: error, operation: action }, "operation failed unexpectedly");
      else ctx.log.debug({ code: wire.code, operation: action }, wire.message);
      this.writeError(res, wire, ctx.requestId);
    }
  }

  writeError(res: ServerResponse, error: BerthError, requestId: string): void {
    if (res.headersSent) {
      res.destroy();
      return;
    }
    const body = toQueryError(this.#json.model, error, requestId);
    res.writeHead(error.httpStatus, { "content-type": "text/xml", "content-length": Buffer.byteLength(body), "x-amzn-requestid": requestId });
    res.end(body);
  }

  #run(action: string | null, params: URLSearchParams, ctx: RequestContext): Promise<unknown> {
    const { model } = this.#json;
    if (!action) throw queryErrors.missingAction();
    if (!this.#json.serves(action)) throw queryErrors.invalidAction(action, this.#json.operationNames);
    const version = params.get("Version");
    if (version !== null && version !== model.metadata.apiVersion) throw queryErrors.wrongVersion(version, model.metadata.apiVersion);
    const inputShape = model.operations[action]!.input;
    const input = inputShape ? fromQueryParams(model, inputShape, params, ["Action", "Version"]) : {};
    return this.#json.invoke(action, input, ctx);
  }
}

/** awsQuery requests carry their parameters as an HTML form body. */
export function isFormRequest(req: IncomingMessage): boolean {
  const type = req.headers["content-type"];
  return typeof type === "string" && type.split(";")[0]!.trim().toLowerCase() === "application/x-www-form-urlencoded";
}
