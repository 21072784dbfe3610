// node:http rather than fetch where a test must see chunk boundaries or hang up mid-response.
import { request, type IncomingHttpHeaders } from "node:http";

export interface Post {
  body: string | Buffer;
  headers?: Record<string, string>;
}

export interface ChunkedResponse {
  status: number;
  headers: IncomingHttpHeaders;
  chunks: Buffer[];
}

export function postForChunks(url: string, post: Post): Promise<ChunkedResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: post.headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, chunks }));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end(post.body);
  });
}

/** Sends the request, waits for the first body chunk (or `afterMs` without one), then destroys the connection. */
export function postAndHangUp(url: string, post: Post & { afterMs?: number }): Promise<Buffer | undefined> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: post.headers, agent: false }, (res) => {
      res.once("data", (chunk: Buffer) => {
        req.destroy();
        resolve(chunk);
      });
    });
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.end(post.body);
    if (post.afterMs !== undefined) {
      setTimeout(() => {
        req.destroy();
        resolve(undefined);
      }, post.afterMs);
    }
  });
}
