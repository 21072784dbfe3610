export class ArtifactError extends Error {
  override name = "ArtifactError";
  /** True when retrying cannot help (a refused URL, an artifact over a limit): the copy fails instead of restarting. */
  readonly terminal: boolean;

  constructor(message: string, terminal: boolean) {
    super(message);
    this.terminal = terminal;
  }
}
