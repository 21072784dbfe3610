import { readdirSync, readFileSync, statSync } from "node:fs";
import type { IncomingMessage, ServerResponse } from "node:http";
import { extname, join, relative, sep } from "node:path";

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".json": "application/json",
  ".map": "application/json",
};

/** Same-origin scripts only: the page never runs inline code, and reports can be shown as images (blob:). */
export const securityHeaders = {
  "content-security-policy":
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
};

interface StaticFile {
  body: Buffer;
  type: string;
  /** Vite names assets by content hash: they never change under one name. */
  immutable: boolean;
}

/**
 * The built console (Vite's output), read once at start: only files that were in the folder then can be
 * served, so no request path, however encoded, reaches anything else on disk.
 */
export class ConsoleFiles {
  readonly #files = new Map<string, StaticFile>();

  constructor(readonly root: string) {
    for (const path of walk(root)) {
      const name = relative(root, path).split(sep).join("/");
      const type = contentTypes[extname(name)];
      if (type) this.#files.set(name, { body: readFileSync(path), type, immutable: name.startsWith("assets/") });
    }
  }

  get built(): boolean {
    return this.#files.has("index.html");
  }

  /** name: the path under /console/, "" for the page itself. False when there is no such file. */
  serve(name: string, req: IncomingMessage, res: ServerResponse): boolean {
    const file = this.#files.get(name === "" ? "index.html" : name);
    if (!file) return false;
    const headers = {
      ...securityHeaders,
      "content-type": file.type,
      "content-length": file.body.length,
      "cache-control": file.immutable ? "public, max-age=31536000, immutable" : "no-cache",
    };
    res.writeHead(200, headers);
    res.end(req.method === "HEAD" ? undefined : file.body);
    return true;
  }
}

function walk(dir: string): string[] {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return [];
  }
  return names.flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : [path];
  });
}
