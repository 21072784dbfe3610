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

/** Sends the request, waits for the first body chunk, then destroys the connection. */
export function postAndHangUp(url: string, post: Post): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: "POST", headers: post.headers, agent: false }, (res) => {
      res.once("data", (chunk: Buffer) => {
        req.destroy();
        resolve(chunk);
      });
    });
    req.on("error", (err) => (req.destroyed ? undefined : reject(err)));
    req.end(post.body);
  });
}

export interface ReceivedPost {
  /** Resolves once the server has taken the request (it answered 100 Continue) and its body is sent. */
  received: Promise<void>;
  /** The answer, or a rejection if the connection closes without one. */
  answer: Promise<{ status: number; body: string }>;
  /** Destroys the connection: the client goes away. */
  hangUp(): void;
}

/**
 * Posts with `Expect: 100-continue`, so the test knows when the server has the request: Node's server
 * counts it and answers 100 Continue in the same step, before the body is sent.
 */
export function postReceived(url: string, post: Post): ReceivedPost {
  let onReceived!: () => void;
  const received = new Promise<void>((resolve) => (onReceived = resolve));
  const req = request(url, { method: "POST", headers: { ...post.headers, Expect: "100-continue" }, agent: false });
  const answer = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on("response", (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      res.on("error", reject);
    });
    req.on("error", reject);
  });
  answer.catch(() => undefined);
  req.on("continue", () => req.end(post.body, () => onReceived()));
  req.flushHeaders();
  return { received, answer, hangUp: () => req.destroy() };
}
