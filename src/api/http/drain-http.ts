import type { Server } from "node:http";

/** How often a stopping server looks for connections whose last request has just finished. */
const sweepMs = 20;

/**
 * Stops taking connections and returns as soon as none is left open: idle keep-alive connections are
 * closed at once, and each busy one as soon as its request finishes (Node keeps a connection whose
 * request was in flight at close() open until the keep-alive timeout, a minute here). Requests still
 * open at the deadline are cut off; onDeadline says how many connections that closed.
 */
export function drainHttp(server: Server, deadlineMs: number, onDeadline: (openConnections: number) => void): Promise<void> {
  return new Promise((resolve) => {
    const sweep = setInterval(() => server.closeIdleConnections(), sweepMs);
    const deadline = setTimeout(() => {
      server.getConnections((_error, count) => {
        onDeadline(count);
        server.closeAllConnections();
      });
    }, deadlineMs);
    server.close(() => {
      clearInterval(sweep);
      clearTimeout(deadline);
      resolve();
    });
    server.closeIdleConnections();
  });
}
