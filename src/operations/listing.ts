import { sageMakerErrors } from "../domain/errors/sagemaker.js";

/** Filters, sorting and cursor pagination shared by the List* operations. */
export interface ListRequest {
  SortBy?: string;
  SortOrder?: "Ascending" | "Descending";
  NextToken?: string;
  MaxResults?: number;
  NameContains?: string;
  CreationTimeBefore?: number;
  CreationTimeAfter?: number;
  LastModifiedTimeBefore?: number;
  LastModifiedTimeAfter?: number;
  StatusEquals?: string;
}

export interface Listable {
  name: string;
  createdAt: number;
  lastModifiedAt?: number;
  status?: string;
}

export interface ListPage<T> {
  items: T[];
  nextToken?: string;
}

interface Cursor {
  v: string | number;
  n: string;
  s: string;
}

const sortValue: Record<string, (item: Listable) => string | number> = {
  Name: (item) => item.name,
  CreationTime: (item) => item.createdAt,
  Status: (item) => item.status ?? "",
};

/** The cursor names the last item returned, so items created or deleted between pages neither repeat nor vanish. */
export function listPage<T extends Listable>(
  all: T[],
  request: ListRequest,
  options: {
    defaultMaxResults: number;
    extraFilter?: (item: T) => boolean;
    /** The model documents CreationTimeAfter as "greater than or equal to" for models, endpoint configurations and endpoints (for inference components, "after"). */
    creationTimeAfterInclusive?: boolean;
  },
): ListPage<T> {
  const sortBy = request.SortBy ?? "CreationTime";
  const key = sortValue[sortBy] ?? sortValue.CreationTime!;
  const descending = (request.SortOrder ?? "Descending") === "Descending";
  const signature = `${sortBy}:${descending ? "d" : "a"}`;
  const compareKeys = (av: string | number, an: string, bv: string | number, bn: string): number => {
    const primary = av < bv ? -1 : av > bv ? 1 : 0;
    const order = primary !== 0 ? primary : an.toLowerCase() < bn.toLowerCase() ? -1 : an.toLowerCase() > bn.toLowerCase() ? 1 : 0;
    return descending ? -order : order;
  };
  const nameFilter = request.NameContains?.toLowerCase();
  const seconds = (ms: number) => ms / 1000;
  const createdAfter = (created: number, bound: number) => (options.creationTimeAfterInclusive ? created >= bound : created > bound);
  let items = all.filter((item) => {
    if (nameFilter && !item.name.toLowerCase().includes(nameFilter)) return false;
    if (request.CreationTimeBefore !== undefined && !(seconds(item.createdAt) < request.CreationTimeBefore)) return false;
    if (request.CreationTimeAfter !== undefined && !createdAfter(seconds(item.createdAt), request.CreationTimeAfter)) return false;
    const modified = item.lastModifiedAt ?? item.createdAt;
    if (request.LastModifiedTimeBefore !== undefined && !(seconds(modified) < request.LastModifiedTimeBefore)) return false;
    if (request.LastModifiedTimeAfter !== undefined && !(seconds(modified) > request.LastModifiedTimeAfter)) return false;
    if (request.StatusEquals !== undefined && item.status !== request.StatusEquals) return false;
    return options.extraFilter ? options.extraFilter(item) : true;
  });
  items.sort((a, b) => compareKeys(key(a), a.name, key(b), b.name));
  if (request.NextToken !== undefined) {
    const cursor = decodeCursor(request.NextToken, signature);
    items = items.filter((item) => compareKeys(key(item), item.name, cursor.v, cursor.n) > 0);
  }
  const max = request.MaxResults ?? options.defaultMaxResults;
  const page = items.slice(0, max);
  const last = page[page.length - 1];
  const nextToken = items.length > max && last ? encodeCursor({ v: key(last), n: last.name, s: signature }) : undefined;
  return { items: page, nextToken };
}

function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor)).toString("base64url");
}

function decodeCursor(token: string, signature: string): Cursor {
  try {
    const cursor = JSON.parse(Buffer.from(token, "base64url").toString("utf8")) as Cursor;
    if (typeof cursor.n !== "string" || cursor.s !== signature || (typeof cursor.v !== "string" && typeof cursor.v !== "number")) throw new Error("bad cursor");
    return cursor;
  } catch {
    throw sageMakerErrors.invalidNextToken();
  }
}
