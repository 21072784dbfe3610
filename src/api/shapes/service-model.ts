/** The subset of botocore's service-2.json that the generated files keep. */
export interface ShapeRef {
  shape: string;
  location?: string;
  locationName?: string;
  eventpayload?: boolean;
  eventheader?: boolean;
  idempotencyToken?: boolean;
  jsonvalue?: boolean;
}

export interface Shape {
  type: "structure" | "list" | "map" | "string" | "integer" | "long" | "float" | "double" | "boolean" | "timestamp" | "blob";
  required?: string[];
  members?: Record<string, ShapeRef>;
  member?: ShapeRef;
  /** awsQuery: list items repeat under the list's own name instead of nesting as <member>. */
  flattened?: boolean;
  key?: ShapeRef;
  value?: ShapeRef;
  min?: number;
  max?: number;
  pattern?: string;
  enum?: string[];
  error?: { code?: string; httpStatusCode?: number; senderFault?: boolean };
  exception?: boolean;
  fault?: boolean;
  eventstream?: boolean;
  event?: boolean;
  payload?: string;
  union?: boolean;
  streaming?: boolean;
}

export interface OperationModel {
  http?: { method: string; requestUri: string; responseCode?: number };
  input?: string;
  output?: string;
  /** awsQuery: the element that wraps the output inside <XResponse>, e.g. GetMetricDataResult. */
  resultWrapper?: string;
  errors: string[];
}

export interface ServiceModel {
  metadata: {
    apiVersion: string;
    protocol: string;
    jsonVersion?: string;
    targetPrefix?: string;
    signingName?: string;
    serviceId: string;
    /** awsQuery: the namespace of every XML response. */
    xmlNamespace?: string;
  };
  operations: Record<string, OperationModel>;
  /** The model's operations Berth does not serve, by name: calling one is refused as not served. */
  otherOperations: string[];
  shapes: Record<string, Shape>;
}
