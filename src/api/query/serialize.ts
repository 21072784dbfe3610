import type { BerthError } from "../../domain/errors/berth-error.js";
import type { ServiceModel, Shape } from "../shapes/service-model.js";

/**
 * An operation's output as an awsQuery XML response: <XResponse xmlns=…><XResult>members</XResult>
 * <ResponseMetadata><RequestId>…</RequestId></ResponseMetadata></XResponse>, members written by the model's
 * shapes (lists as <member>, maps as <entry><key/><value/></entry>, timestamps ISO 8601).
 */
export function toQueryResponse(model: ServiceModel, operationName: string, output: unknown, requestId: string): string {
  const operation = model.operations[operationName]!;
  // Every awsQuery output is wrapped; botocore's models name the wrapper <Operation>Result throughout.
  const result = operation.output
    ? element(operation.resultWrapper ?? `${operationName}Result`, new XmlWriter(model).content(operation.output, output ?? {}))
    : "";
  const metadata = element("ResponseMetadata", element("RequestId", escape(requestId)));
  return `<${operationName}Response xmlns="${escape(model.metadata.xmlNamespace ?? "")}">${result}${metadata}</${operationName}Response>`;
}

/** An error as awsQuery clients parse it: <ErrorResponse><Error><Type/><Code/><Message/></Error><RequestId/></ErrorResponse>. */
export function toQueryError(model: ServiceModel, error: BerthError, requestId: string): string {
  const type = error.fault === "client" ? "Sender" : "Receiver";
  const inner = element("Type", type) + element("Code", escape(error.queryCode ?? error.code)) + element("Message", escape(error.message));
  return `<ErrorResponse xmlns="${escape(model.metadata.xmlNamespace ?? "")}">${element("Error", inner)}${element("RequestId", escape(requestId))}</ErrorResponse>`;
}

class XmlWriter {
  readonly #model: ServiceModel;

  constructor(model: ServiceModel) {
    this.#model = model;
  }

  /** The inside of the element that holds a value of this shape. */
  content(shapeName: string, value: unknown): string {
    const shape = this.#shape(shapeName);
    switch (shape.type) {
      case "structure":
        return this.#structure(shape, value as Record<string, unknown>);
      case "list":
        return (value as unknown[]).map((item) => element(shape.member!.locationName ?? "member", this.content(shape.member!.shape, item))).join("");
      case "map":
        return this.#entries(shape, value as Record<string, unknown>, "entry");
      default:
        return scalar(shape, value);
    }
  }

  #structure(shape: Shape, value: Record<string, unknown>): string {
    let out = "";
    for (const [name, ref] of Object.entries(shape.members ?? {})) {
      const member = value[name];
      if (member === undefined || member === null) continue;
      const tag = ref.locationName ?? name;
      const memberShape = this.#shape(ref.shape);
      if (memberShape.flattened && memberShape.type === "list") {
        for (const item of member as unknown[]) out += element(tag, this.content(memberShape.member!.shape, item));
      } else if (memberShape.flattened && memberShape.type === "map") {
        out += this.#entries(memberShape, member as Record<string, unknown>, tag);
      } else {
        out += element(tag, this.content(ref.shape, member));
      }
    }
    return out;
  }

  #entries(shape: Shape, value: Record<string, unknown>, tag: string): string {
    return Object.entries(value)
      .map(([key, item]) =>
        element(
          tag,
          element(shape.key!.locationName ?? "key", escape(key)) + element(shape.value!.locationName ?? "value", this.content(shape.value!.shape, item)),
        ),
      )
      .join("");
  }

  #shape(name: string): Shape {
    const shape = this.#model.shapes[name];
    if (!shape) throw new Error(`shape ${name} is not in the generated model`);
    return shape;
  }
}

function scalar(shape: Shape, value: unknown): string {
  if (shape.type === "timestamp") {
    const date = value instanceof Date ? value : new Date(typeof value === "number" ? value * 1000 : String(value));
    return date.toISOString();
  }
  if (shape.type === "blob" && Buffer.isBuffer(value)) return value.toString("base64");
  return escape(String(value));
}

function element(name: string, content: string): string {
  return `<${name}>${content}</${name}>`;
}

/**
 * Text safe inside an element or attribute. Carriage returns and line feeds are written as references so a
 * parser's line-end normalisation keeps them; characters XML 1.0 cannot hold at all become U+FFFD.
 */
export function escape(text: string): string {
  return text.replace(/[&<>"'\r\n]|[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/g, (c) => replacements[c] ?? "\uFFFD");
}

const replacements: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&apos;",
  "\r": "&#xD;",
  "\n": "&#xA;",
};
