import { createServer } from "node:net";

/** Ports handed to copies; a port stays reserved until its copy releases it. */
export class PortAllocator {
  readonly #reserved = new Set<number>();

  async allocate(): Promise<number> {
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await freePort();
      if (!this.#reserved.has(port)) {
        this.#reserved.add(port);
        return port;
      }
    }
    throw new Error("no free TCP port found on 127.0.0.1 after 20 tries");
  }

  release(port: number): void {
    this.#reserved.delete(port);
  }
}

/** A port free on 127.0.0.1 right now (the kernel picks it; rarely, another process takes it before use). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
