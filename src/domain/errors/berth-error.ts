/**
 * Every error that reaches a client is a BerthError: its wire code, HTTP status and fault side
 * come from the catalogue in this folder; api/ only serialises it.
 */
export type Fault = "client" | "server";

export interface BerthErrorOptions {
  code: string;
  httpStatus: number;
  message: string;
  fault?: Fault;
  /** Extra modelled members sent in the body, e.g. ModelError.OriginalStatusCode. */
  members?: Record<string, unknown>;
  /** CloudWatch's query-compatible code (x-amzn-query-error). */
  queryCode?: string;
  retryable?: boolean;
}

const brand = Symbol.for("berth.error");

export class BerthError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly fault: Fault;
  readonly members: Record<string, unknown>;
  readonly queryCode?: string;
  readonly retryable: boolean;
  readonly [brand] = true;

  constructor(options: BerthErrorOptions) {
    super(options.message);
    this.name = options.code;
    this.code = options.code;
    this.httpStatus = options.httpStatus;
    this.fault = options.fault ?? (options.httpStatus >= 500 ? "server" : "client");
    this.members = options.members ?? {};
    this.queryCode = options.queryCode;
    this.retryable = options.retryable ?? false;
  }

  static is(value: unknown): value is BerthError {
    return typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[brand] === true;
  }
}
