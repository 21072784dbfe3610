import { createServer, type IncomingMessage, type ServerResponse } from "node:http";

export interface ArtifactOrigin {
  url: string;
  /** Every request it received: path and headers. */
  requests: { path: string; headers: IncomingMessage["headers"] }[];
  close(): Promise<void>;
}

export type Route = (req: IncomingMessage, res: ServerResponse) => void;

/** A real HTTP server on a loopback address, serving artifacts (or misbehaving) as the routes say. */
export async function startOrigin(host: string, routes: Record<string, Route>): Promise<ArtifactOrigin> {
  const requests: ArtifactOrigin["requests"] = [];
  const server = createServer((req, res) => {
    requests.push({ path: req.url ?? "", headers: req.headers });
    const route = routes[req.url ?? ""];
    if (route) route(req, res);
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://${host}:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
