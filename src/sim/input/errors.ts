/** Where a bad value sits in a trace file: 1-based line, and the CSV column or JSON field. */
export interface TraceLocation {
  file: string;
  line?: number;
  column?: string;
  field?: string;
}

/** A trace file that cannot be read as the format it claims to be. */
export class TraceFormatError extends Error {
  readonly file: string;
  readonly line?: number;
  readonly column?: string;
  readonly field?: string;

  constructor(where: TraceLocation, problem: string) {
    super(`${describeLocation(where)}: ${problem}`);
    this.name = "TraceFormatError";
    this.file = where.file;
    this.line = where.line;
    this.column = where.column;
    this.field = where.field;
  }
}

function describeLocation(where: TraceLocation): string {
  const parts = [where.line === undefined ? where.file : `${where.file} line ${where.line}`];
  if (where.column !== undefined) parts.push(`column ${where.column}`);
  if (where.field !== undefined) parts.push(`field ${where.field}`);
  return parts.join(", ");
}

/** One problem found in a portfolio file. */
export interface PortfolioIssue {
  file: string;
  line: number;
  /** The field path as written in the message, e.g. `models[1].accelerators`. */
  path: string;
  message: string;
}

/** A portfolio file with one or more problems; the message lists all of them, one per line. */
export class PortfolioError extends Error {
  readonly issues: readonly PortfolioIssue[];

  constructor(issues: readonly PortfolioIssue[]) {
    super(issues.map(formatIssue).join("\n"));
    this.name = "PortfolioError";
    this.issues = issues;
  }
}

export function formatIssue(issue: PortfolioIssue): string {
  const path = issue.path === "" ? "" : `, ${issue.path}`;
  return `${issue.file} line ${issue.line}${path}: ${issue.message}`;
}

/** Quotes a found value the way messages show it: strings in quotes, lists and mappings by kind. */
export function describeValue(value: unknown): string {
  if (value === undefined) return "nothing";
  if (value === null) return "null";
  if (typeof value === "string") return JSON.stringify(value);
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object") return "a mapping";
  return String(value);
}

/** The model or instance catalog cannot be read. */
export class CatalogError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CatalogError";
  }
}
