/**
 * Metric math, the subset Berth supports: query ids, numbers, + - * /, unary minus and parentheses.
 * Series combine point by point at the timestamps both have; a point whose result is not a finite
 * number (division by zero) is left out, as CloudWatch leaves it out.
 */
export type Expression =
  | { kind: "number"; value: number }
  | { kind: "ref"; id: string }
  | { kind: "negate"; operand: Expression }
  | { kind: "binary"; operator: "+" | "-" | "*" | "/"; left: Expression; right: Expression };

/** A metric's datapoints: timestamps ascending and unique (period starts), one value each. */
export interface Series {
  timestamps: number[];
  values: number[];
}

export class ExpressionError extends Error {
  override name = "ExpressionError";
}

type Token = { type: "number"; value: number } | { type: "name"; value: string } | { type: "op"; value: string };

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d*)?(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|([-+*/()]))/y;
  let at = 0;
  while (at < text.length) {
    if (/^\s*$/.test(text.slice(at))) break;
    pattern.lastIndex = at;
    const match = pattern.exec(text);
    if (!match) throw new ExpressionError(`unexpected '${text.slice(at).trim().charAt(0)}' at position ${at + 1}`);
    at = pattern.lastIndex;
    if (match[1] !== undefined) tokens.push({ type: "number", value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ type: "name", value: match[2] });
    else tokens.push({ type: "op", value: match[3]! });
  }
  return tokens;
}

export function parseExpression(text: string): Expression {
  const tokens = tokenize(text);
  let pos = 0;
  const peek = () => tokens[pos];
  const isOp = (value: string) => peek()?.type === "op" && peek()!.value === value;

  const primary = (): Expression => {
    const token = tokens[pos++];
    if (!token) throw new ExpressionError("it ends where a value was expected");
    if (token.type === "number") return { kind: "number", value: token.value };
    if (token.type === "name") {
      if (isOp("(")) throw new ExpressionError(`functions such as ${token.value}() are not supported`);
      return { kind: "ref", id: token.value };
    }
    if (token.value === "(") {
      const inner = sum();
      if (!isOp(")")) throw new ExpressionError("a '(' is not closed");
      pos++;
      return inner;
    }
    if (token.value === "-") return { kind: "negate", operand: primary() };
    if (token.value === "+") return primary();
    throw new ExpressionError(`unexpected '${token.value}'`);
  };
  const product = (): Expression => {
    let left = primary();
    while (isOp("*") || isOp("/")) {
      const operator = (tokens[pos++] as { value: "*" | "/" }).value;
      left = { kind: "binary", operator, left, right: primary() };
    }
    return left;
  };
  const sum = (): Expression => {
    let left = product();
    while (isOp("+") || isOp("-")) {
      const operator = (tokens[pos++] as { value: "+" | "-" }).value;
      left = { kind: "binary", operator, left, right: product() };
    }
    return left;
  };

  const expression = sum();
  if (pos < tokens.length) throw new ExpressionError(`unexpected '${String(tokens[pos]!.value)}' after a complete expression`);
  return expression;
}

export function references(expression: Expression): string[] {
  switch (expression.kind) {
    case "number":
      return [];
    case "ref":
      return [expression.id];
    case "negate":
      return references(expression.operand);
    case "binary":
      return [...references(expression.left), ...references(expression.right)];
  }
}

/** Evaluates to a series, or to a number when the expression references no series. */
export function evaluateExpression(expression: Expression, lookup: (id: string) => Series): Series | number {
  switch (expression.kind) {
    case "number":
      return expression.value;
    case "ref":
      return lookup(expression.id);
    case "negate":
      return combine(0, evaluateExpression(expression.operand, lookup), (_a, b) => -b);
    case "binary":
      return combine(evaluateExpression(expression.left, lookup), evaluateExpression(expression.right, lookup), operators[expression.operator]);
  }
}

const operators: Record<"+" | "-" | "*" | "/", (a: number, b: number) => number> = {
  "+": (a, b) => a + b,
  "-": (a, b) => a - b,
  "*": (a, b) => a * b,
  "/": (a, b) => a / b,
};

function combine(left: Series | number, right: Series | number, op: (a: number, b: number) => number): Series | number {
  if (typeof left === "number" && typeof right === "number") return op(left, right);
  const out: Series = { timestamps: [], values: [] };
  const push = (t: number, v: number) => {
    if (Number.isFinite(v)) {
      out.timestamps.push(t);
      out.values.push(v);
    }
  };
  if (typeof left === "number") {
    const r = right as Series;
    for (let i = 0; i < r.timestamps.length; i++) push(r.timestamps[i]!, op(left, r.values[i]!));
  } else if (typeof right === "number") {
    for (let i = 0; i < left.timestamps.length; i++) push(left.timestamps[i]!, op(left.values[i]!, right));
  } else {
    // Both ascending: one merge pass over the two, no lookup table.
    const rt = right.timestamps;
    let j = 0;
    for (let i = 0; i < left.timestamps.length; i++) {
      const t = left.timestamps[i]!;
      while (j < rt.length && rt[j]! < t) j++;
      if (j === rt.length) break;
      if (rt[j] === t) push(t, op(left.values[i]!, right.values[j]!));
    }
  }
  return out;
}

/**
 * An upper bound on the datapoints evaluating the expression touches when no series it reads has more
 * than `points`: each operator that meets a series reads at most two of that size.
 */
export function workBound(expression: Expression, points: number): number {
  switch (expression.kind) {
    case "number":
    case "ref":
      return 0;
    case "negate":
      return workBound(expression.operand, points) + points;
    case "binary":
      return workBound(expression.left, points) + workBound(expression.right, points) + 2 * points;
  }
}
