/**
 * Where an HTTP/1.1 answer's body ends, so a kept-alive connection can carry the next request. Fed the
 * bytes after the headers: how many of them finish the body, "more" when all were body and more is to
 * come, or "bad" when the framing cannot be followed (the connection is then given up).
 */
export interface BodyEnd {
  feed(chunk: Buffer): number | "more" | "bad";
}

export function lengthBody(length: number): BodyEnd {
  let left = length;
  return {
    feed(chunk) {
      const used = Math.min(left, chunk.length);
      left -= used;
      return left === 0 ? used : "more";
    },
  };
}

const maxLine = 4096;

/** Transfer-Encoding: chunked (RFC 9112 section 7.1): hex sizes, each chunk and CRLF, a 0 chunk, trailer lines, an empty line. */
export function chunkedBody(): BodyEnd {
  let state: "size" | "data" | "trailer" = "size";
  let line = "";
  let left = 0;
  return {
    feed(chunk) {
      let at = 0;
      while (at < chunk.length) {
        if (state === "data") {
          const used = Math.min(left, chunk.length - at);
          left -= used;
          at += used;
          if (left === 0) state = "size";
          continue;
        }
        const newline = chunk.indexOf(10, at);
        if (newline < 0) {
          line += chunk.toString("latin1", at);
          return line.length > maxLine ? "bad" : "more";
        }
        line += chunk.toString("latin1", at, newline);
        at = newline + 1;
        const text = line.replace(/\r$/, "");
        line = "";
        if (state === "trailer") {
          if (text === "") return at;
          continue;
        }
        const size = /^([0-9a-fA-F]{1,12})[ \t]*(?:;.*)?$/.exec(text);
        if (!size) return "bad";
        const bytes = parseInt(size[1]!, 16);
        if (bytes === 0) state = "trailer";
        else {
          left = bytes + 2;
          state = "data";
        }
      }
      return "more";
    },
  };
}
