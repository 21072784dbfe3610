/** A value nested `depth` lists deep, written out only when the body is serialised (JSON.stringify would recurse). */
export class DeepList {
  constructor(readonly depth: number) {}
}

/** JSON text for a generated input; own "__proto__" keys are kept, as a hostile client would send them. */
export function toJsonText(value: unknown): string {
  if (value instanceof DeepList) return `${"[".repeat(value.depth)}${"]".repeat(value.depth)}`;
  if (Array.isArray(value)) return `[${value.map(toJsonText).join(",")}]`;
  if (typeof value === "object" && value !== null) {
    return `{${Object.keys(value)
      .map((k) => `${JSON.stringify(k)}:${toJsonText((value as Record<string, unknown>)[k])}`)
      .join(",")}}`;
  }
  if (typeof value === "number" && !Number.isFinite(value)) return "null";
  return JSON.stringify(value) ?? "null";
}

/** A copy of value with the member at path replaced (or removed when remove is set); objects keep own "__proto__" keys. */
export function setAt(value: unknown, path: (string | number)[], replacement: unknown, remove = false): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path;
  if (Array.isArray(value)) {
    const copy = [...value];
    if (remove && rest.length === 0) copy.splice(head as number, 1);
    else copy[head as number] = setAt(copy[head as number], rest, replacement, remove);
    return copy;
  }
  const copy: Record<string, unknown> = {};
  for (const k of Object.keys(value as object)) defineOwn(copy, k, (value as Record<string, unknown>)[k]);
  if (remove && rest.length === 0) delete copy[head as string];
  else defineOwn(copy, head as string, setAt(copy[head as string], rest, replacement, remove));
  return copy;
}

export function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

/** A short, printable description of a value for counterexamples (bodies can be megabytes). */
export function preview(text: string, max = 300): string {
  return text.length > max ? `${text.slice(0, max)}... (${text.length} chars)` : text;
}
