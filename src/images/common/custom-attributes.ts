/**
 * Parses X-Amzn-SageMaker-Custom-Attributes as `k=v` pairs separated by commas or semicolons.
 * SageMaker treats the header as opaque; this convention is Berth's own. Pieces without `=` are ignored.
 */
export function parseCustomAttributes(header: string | string[] | undefined): Map<string, string> {
  const attributes = new Map<string, string>();
  if (!header) return attributes;
  const text = Array.isArray(header) ? header.join(",") : header;
  for (const piece of text.split(/[,;]/)) {
    const eq = piece.indexOf("=");
    if (eq <= 0) continue;
    attributes.set(piece.slice(0, eq).trim(), piece.slice(eq + 1).trim());
  }
  return attributes;
}
