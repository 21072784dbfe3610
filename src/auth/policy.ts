/**
 * Key policies: an IAM-like JSON subset. Version, Statement (one or a list) of Effect Allow|Deny, Action
 * and Resource (a string or a list; `*` and `?` wildcards). An explicit Deny wins; nothing allowed is denied.
 */
export interface PolicyDocument {
  Version: string;
  Statement: PolicyStatement[] | PolicyStatement;
}

export interface PolicyStatement {
  Sid?: string;
  Effect: "Allow" | "Deny";
  Action: string | string[];
  Resource: string | string[];
}

export const administratorPolicy: PolicyDocument = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };

export class PolicyError extends Error {
  override name = "PolicyError";
}

interface CompiledStatement {
  allow: boolean;
  actions: RegExp[];
  resources: RegExp[];
}

export type Decision = "allow" | "implicit-deny" | "explicit-deny";

export class CompiledPolicy {
  readonly #statements: CompiledStatement[];

  constructor(document: PolicyDocument) {
    this.#statements = statementsOf(document).map((s) => ({
      allow: s.Effect === "Allow",
      actions: listOf(s.Action).map((p) => pattern(p, "i")),
      resources: listOf(s.Resource).map((p) => pattern(p, "")),
    }));
  }

  decide(action: string, resource: string): Decision {
    let allowed = false;
    for (const statement of this.#statements) {
      if (!statement.actions.some((p) => p.test(action)) || !statement.resources.some((p) => p.test(resource))) continue;
      if (!statement.allow) return "explicit-deny";
      allowed = true;
    }
    return allowed ? "allow" : "implicit-deny";
  }
}

/** Checks a parsed JSON value is a policy this subset understands, naming the first problem. */
export function checkPolicy(value: unknown): PolicyDocument {
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new PolicyError('A policy must be a JSON object such as {"Version": "2012-10-17", "Statement": [...]}.');
  const doc = value as Record<string, unknown>;
  for (const key of Object.keys(doc))
    if (key !== "Version" && key !== "Statement" && key !== "Id") throw new PolicyError(`Policy member '${key}' is not supported; use Version and Statement.`);
  if (doc.Version !== "2012-10-17" && doc.Version !== "2008-10-17")
    throw new PolicyError(`Policy Version must be "2012-10-17", got ${JSON.stringify(doc.Version)}.`);
  const statements = Array.isArray(doc.Statement) ? doc.Statement : [doc.Statement];
  if (statements.length === 0 || doc.Statement === undefined) throw new PolicyError("Policy Statement must hold at least one statement.");
  statements.forEach((statement, index) => checkStatement(statement, index));
  return doc as unknown as PolicyDocument;
}

function checkStatement(value: unknown, index: number): void {
  const where = `Statement[${index}]`;
  if (typeof value !== "object" || value === null || Array.isArray(value))
    throw new PolicyError(`${where} must be an object with Effect, Action and Resource.`);
  const statement = value as Record<string, unknown>;
  for (const key of Object.keys(statement)) {
    if (!["Sid", "Effect", "Action", "Resource"].includes(key))
      throw new PolicyError(`${where}.${key} is not supported; Berth's policies use Effect, Action and Resource only.`);
  }
  if (statement.Effect !== "Allow" && statement.Effect !== "Deny")
    throw new PolicyError(`${where}.Effect must be "Allow" or "Deny", got ${JSON.stringify(statement.Effect)}.`);
  for (const member of ["Action", "Resource"] as const) {
    const list = statement[member];
    const items = Array.isArray(list) ? list : [list];
    if (items.length === 0 || items.some((item) => typeof item !== "string" || item === "")) {
      throw new PolicyError(`${where}.${member} must be a non-empty string or list of strings, e.g. ${member === "Action" ? '"sagemaker:Describe*"' : '"*"'}.`);
    }
    if (member === "Action")
      for (const item of items as string[])
        if (item !== "*" && !/^[a-zA-Z0-9-]+:[a-zA-Z0-9*?]+$/.test(item))
          throw new PolicyError(`${where}.Action '${item}' must look like service:Operation, e.g. sagemaker:InvokeEndpoint.`);
  }
}

function statementsOf(document: PolicyDocument): PolicyStatement[] {
  return Array.isArray(document.Statement) ? document.Statement : [document.Statement];
}

function listOf(value: string | string[]): string[] {
  return Array.isArray(value) ? value : [value];
}

/** IAM wildcards: `*` any run of characters, `?` one character; everything else literal. */
function pattern(text: string, flags: string): RegExp {
  const source = text
    .replace(/[.+^${}()|[\]\\]/g, "\\$&")
    .replace(/\*/g, ".*")
    .replace(/\?/g, ".");
  return new RegExp(`^${source}$`, flags);
}
