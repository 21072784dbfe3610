import type { HttpRequest } from "@smithy/protocol-http";

interface StackHolder {
  middlewareStack: { addRelativeTo(middleware: unknown, options: { relation: "after"; toMiddleware: string; name?: string }): void };
}

/** Changes an SDK client's requests after they were signed, as a man in the middle (or a buggy proxy) would. */
export function afterSigning<T extends StackHolder>(client: T, change: (request: HttpRequest) => void): T {
  client.middlewareStack.addRelativeTo(
    (next: (args: { request: HttpRequest }) => Promise<unknown>) => (args: { request: HttpRequest }) => {
      change(args.request);
      return next(args);
    },
    { relation: "after", toMiddleware: "httpSigningMiddleware", name: "tamperAfterSigning" },
  );
  return client;
}
