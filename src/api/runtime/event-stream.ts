import { EventStreamCodec, type MessageHeaders } from "@smithy/core/event-streams";
import { fromUtf8, toUtf8 } from "@smithy/util-utf8";

const codec = new EventStreamCodec(toUtf8, fromUtf8);

const payloadHeaders: MessageHeaders = {
  ":message-type": { type: "string", value: "event" },
  ":event-type": { type: "string", value: "PayloadPart" },
  ":content-type": { type: "string", value: "application/octet-stream" },
};

/** One PayloadPart event of InvokeEndpointWithResponseStream, framed as AWS event-stream (with CRCs). */
export function payloadPart(bytes: Uint8Array): Uint8Array {
  return codec.encode({ headers: payloadHeaders, body: bytes });
}

/** An error after the stream began travels as an exception event the SDK raises as that error class. */
export function exceptionEvent(type: string, body: Record<string, unknown>): Uint8Array {
  return codec.encode({
    headers: {
      ":message-type": { type: "string", value: "exception" },
      ":exception-type": { type: "string", value: type },
      ":content-type": { type: "string", value: "application/json" },
    },
    body: fromUtf8(JSON.stringify(body)),
  });
}
