/**
 * One page of a short list whose order does not change between calls (a resource's tags): the
 * token carries the offset of the next item, and a token that does not parse is refused with the
 * protocol's own error.
 */
export function offsetPage<T>(all: readonly T[], input: { MaxResults?: number; NextToken?: string }, defaultMax: number, invalidToken: () => Error) {
  let offset = 0;
  if (input.NextToken !== undefined) {
    const parsed = /^o(\d+)$/.exec(Buffer.from(input.NextToken, "base64url").toString("utf8"));
    if (!parsed) throw invalidToken();
    offset = Number(parsed[1]);
  }
  const max = input.MaxResults ?? defaultMax;
  const items = all.slice(offset, offset + max);
  const nextToken = offset + max < all.length ? Buffer.from(`o${offset + max}`).toString("base64url") : undefined;
  return { items, nextToken };
}
