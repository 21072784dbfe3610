/** A refusal of the agent protocol: an HTTP status and a message saying what was wrong and what to do. */
export class AgentApiError extends Error {
  override name = "AgentApiError";

  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }

  static badRequest(message: string): AgentApiError {
    return new AgentApiError(400, "BadRequest", message);
  }

  static forbidden(message: string): AgentApiError {
    return new AgentApiError(403, "Forbidden", message);
  }
}
