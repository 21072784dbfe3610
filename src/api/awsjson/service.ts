import type { IncomingMessage, ServerResponse } from "node:http";
import { BerthError } from "../../domain/errors/berth-error.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import type { RequestContext } from "../http/context.js";
import type { ServiceModel } from "../shapes/service-model.js";
import { ShapeValidator, type ShapeDeviations } from "../shapes/validate.js";
import { writeJsonError } from "./errors.js";
import { toWireError } from "../http/wire-error.js";
import { toAwsJson } from "./serialize.js";

export type JsonOperation = (input: any, ctx: RequestContext) => Promise<unknown>;

export interface JsonServiceOptions {
  model: ServiceModel;
  operations: Record<string, JsonOperation>;
  /** Content type of requests and responses, e.g. application/x-amz-json-1.1. */
  contentType: string;
  /** Builds the ValidationException for constraint violations, in the service's own error shape. */
  validationError: (violations: string[]) => BerthError;
  deviations?: ShapeDeviations;
  /**
   * How a refusal names this service and what Berth serves of it, for the model's operations it does
   * not serve, e.g. { service: "SageMaker", serves: "Berth implements SageMaker hosting only (…)" }.
   */
  scope: { service: string; serves: string };
  queryCompatible?: boolean;
  maxBodyBytes: number;
}

/** One AWS JSON-RPC service (awsJson1_0 / 1_1): parse, validate against the model, call, serialise. */
export class JsonService {
  readonly targetPrefix: string;
  readonly #options: JsonServiceOptions;
  readonly #validator: ShapeValidator;

  constructor(options: JsonServiceOptions) {
    this.#options = options;
    this.targetPrefix = options.model.metadata.targetPrefix!;
    this.#validator = new ShapeValidator(options.model, options.deviations);
    for (const name of Object.keys(options.operations)) {
      if (!options.model.operations[name]) throw new Error(`${this.targetPrefix}: operation ${name} is not in the generated service model`);
    }
  }

  /** The operations this service serves, by their model names. */
  get operationNames(): string[] {
    return Object.keys(this.#options.operations);
  }

  async handle(req: IncomingMessage, res: ServerResponse, operationName: string, ctx: RequestContext): Promise<void> {
    const { contentType, queryCompatible } = this.#options;
    try {
      const output = await this.#run(req, operationName, ctx);
      const body = toAwsJson(output ?? {});
      res.writeHead(200, { "content-type": contentType, "content-length": Buffer.byteLength(body), "x-amzn-requestid": ctx.requestId });
      res.end(body);
    } catch (error) {
      const { wire, unexpected } = toWireError(error, ctx.requestId);
      if (unexpected) ctx.log.error({ err: error, operation: operationName }, "operation failed unexpectedly");
      else ctx.log.debug({ code: wire.code, operation: operationName }, wire.message);
      writeJsonError(res, wire, { contentType, requestId: ctx.requestId, queryCompatible });
    }
  }

  /** Writes an error in this service's shape (content type, CloudWatch's x-amzn-query-error). */
  writeError(res: ServerResponse, error: BerthError, requestId: string): void {
    writeJsonError(res, error, { contentType: this.#options.contentType, requestId, queryCompatible: this.#options.queryCompatible });
  }

  /** The body as the operation reads it; CloudWatch inflates gzip here. */
  protected decodeBody(raw: Buffer, _req: IncomingMessage): Promise<Buffer> | Buffer {
    return raw;
  }

  protected get maxBodyBytes(): number {
    return this.#options.maxBodyBytes;
  }

  #unserved(operationName: string) {
    const { model, scope } = this.#options;
    if (model.otherOperations.includes(operationName)) return protocolErrors.notServed(`${scope.service}.${operationName}`, scope.serves);
    return protocolErrors.unknownOperation(`${this.targetPrefix}.${operationName}`);
  }

  async #run(req: IncomingMessage, operationName: string, ctx: RequestContext): Promise<unknown> {
    // The body is read first: reading it finishes verifying the signature, before anything else is answered.
    const raw = await this.readRequestBody(req, ctx);
    if (!this.serves(operationName)) throw this.#unserved(operationName);
    const received = req.headers["content-type"];
    if (!isJsonContentType(received)) throw protocolErrors.wrongContentType(received, this.#options.contentType);
    let parsed: unknown;
    try {
      parsed = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
    } catch (error) {
      throw protocolErrors.malformedJson((error as Error).message);
    }
    return this.invoke(operationName, parsed, ctx);
  }

  /** The service model this service validates against. */
  get model(): ServiceModel {
    return this.#options.model;
  }

  /** Own names only: a target such as SageMaker.constructor must not reach Object.prototype. */
  serves(operationName: string): boolean {
    return Object.hasOwn(this.#options.operations, operationName);
  }

  /** Reads the body within this service's limit (finishing signature verification) and decodes it. */
  async readRequestBody(req: IncomingMessage, ctx: RequestContext): Promise<Buffer> {
    return this.decodeBody(await ctx.readBody(this.#options.maxBodyBytes), req);
  }

  /**
   * Validates a decoded input against the model, authorizes it and runs the operation: the one path every
   * wire protocol (awsJson here, awsQuery in api/query) goes through.
   */
  async invoke(operationName: string, parsed: unknown, ctx: RequestContext): Promise<unknown> {
    if (!this.serves(operationName)) throw this.#unserved(operationName);
    const operation = this.#options.operations[operationName]!;
    const inputShape = this.#options.model.operations[operationName]!.input;
    let input: Record<string, unknown> = {};
    if (inputShape) {
      const result = this.#validator.validate(inputShape, parsed);
      if (result.violations.length > 0) throw this.#options.validationError(result.violations);
      input = result.value;
    }
    ctx.auth.authorizeJson(this.targetPrefix, operationName, input);
    return operation(input, ctx);
  }
}

/** AWS JSON clients send application/x-amz-json-1.x; plain application/json is accepted too. */
function isJsonContentType(value: string | undefined): boolean {
  if (!value) return false;
  const type = value.split(";")[0]!.trim().toLowerCase();
  return type === "application/x-amz-json-1.1" || type === "application/x-amz-json-1.0" || type === "application/json";
}
