import type { IncomingHttpHeaders } from "node:http";
import { Readable } from "node:stream";
import type { RequestOutcome, RequestTarget } from "./observer.js";
import type { InvokeResult } from "./router.js";

/**
 * A copy's 2xx answer as the router hands it out: streamed from `body`, or `gathered` whole (then `body`
 * replays it, made only if asked for). A class, because an object literal with a `body` getter made V8
 * keep every answer's getter, and the chunks it reaches, through young-generation collections: each
 * routed request's answer was promoted to the old generation, which then grew until a full collection
 * stalled the router (README, "No answer promoted to the old generation").
 */
export class RoutedAnswer implements InvokeResult {
  readonly statusCode: number;
  readonly contentType?: string;
  readonly customAttributes?: string;
  readonly gathered?: { chunks: Buffer[]; size: number };
  readonly variantName: string;
  readonly componentName?: string;
  readonly copyId: string;
  readonly newSessionId?: string;
  readonly closedSessionId?: string;
  readonly timeoutSeconds: number;
  readonly finish: (outcome: RequestOutcome) => void;
  readonly #stream: Readable | undefined;

  constructor(
    statusCode: number,
    headers: IncomingHttpHeaders,
    target: RequestTarget,
    copyId: string,
    timeoutSeconds: number,
    finish: (outcome: RequestOutcome) => void,
    stream: Readable | undefined,
    gathered?: { chunks: Buffer[]; size: number },
  ) {
    this.statusCode = statusCode;
    this.contentType = header(headers["content-type"]);
    this.customAttributes = header(headers["x-amzn-sagemaker-custom-attributes"]);
    this.gathered = gathered;
    this.variantName = target.variantName;
    this.componentName = target.componentName;
    this.copyId = copyId;
    this.newSessionId = header(headers["x-amzn-sagemaker-new-session-id"]);
    this.closedSessionId = header(headers["x-amzn-sagemaker-closed-session-id"]);
    this.timeoutSeconds = timeoutSeconds;
    this.finish = finish;
    this.#stream = stream;
  }

  get body(): Readable {
    return this.#stream ?? Readable.from(this.gathered!.chunks);
  }
}

function header(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}
