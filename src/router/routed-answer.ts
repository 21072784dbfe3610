import { Readable } from "node:stream";
import type { RequestOutcome } from "./observer.js";
import type { InvokeResult } from "./router.js";

/** What a RoutedAnswer carries besides its body. */
export type AnswerFields = Omit<InvokeResult, "body" | "gathered">;

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

  constructor(fields: AnswerFields, stream: Readable | undefined, gathered?: { chunks: Buffer[]; size: number }) {
    this.statusCode = fields.statusCode;
    this.contentType = fields.contentType;
    this.customAttributes = fields.customAttributes;
    this.gathered = gathered;
    this.variantName = fields.variantName;
    this.componentName = fields.componentName;
    this.copyId = fields.copyId;
    this.newSessionId = fields.newSessionId;
    this.closedSessionId = fields.closedSessionId;
    this.timeoutSeconds = fields.timeoutSeconds;
    this.finish = fields.finish;
    this.#stream = stream;
  }

  get body(): Readable {
    return this.#stream ?? Readable.from(this.gathered!.chunks);
  }
}
