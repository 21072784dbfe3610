import type { ServerResponse } from "node:http";
import { copyLogsAccess } from "../../auth/access.js";
import type { Account } from "../../domain/arn.js";
import { sageMakerArn } from "../../domain/arn.js";
import { BerthError } from "../../domain/errors/berth-error.js";
import { protocolErrors } from "../../domain/errors/protocol.js";
import { sageMakerErrors } from "../../domain/errors/sagemaker.js";
import { findComponent } from "../../state/components.js";
import type { BerthStore } from "../../state/records.js";
import { decodePathSegment } from "../http/path-segment.js";
import type { PrefixRoute } from "../http/server.js";

interface LogLine {
  time: number;
  copy: string;
  stream: string;
  text: string;
}

/** What the local agent keeps of its copies' output (src/agent/copy-logs.ts). */
export interface CopyLogSource {
  copiesOf(component: string): string[];
  read(component: string, options: { copy?: string; tail: number }): LogLine[];
  follow(component: string, copy: string | undefined, send: (line: LogLine) => void): () => void;
}

const pathPattern = /^\/berth\/v1\/components\/([^/]+)\/logs$/;

/**
 * GET /berth/v1/components/<name>/logs[?copy=N][&tail=N][&follow=true]: the copies' stdout and stderr as
 * NDJSON, one {time, copy, stream, text} per line; with follow the answer stays open and new lines follow.
 */
export function logsRoute(options: { store: BerthStore; account: Account; logs?: CopyLogSource }): PrefixRoute & { close(): void } {
  const open = new Set<ServerResponse>();
  return {
    prefix: "/berth/v1/components/",
    close: () => {
      for (const res of open) res.end();
      open.clear();
    },
    handle: async (req, res, ctx) => {
      const url = new URL(req.url ?? "/", "http://localhost");
      const match = pathPattern.exec(url.pathname);
      if (!match) throw protocolErrors.notFoundRoute(req.method ?? "?", url.pathname);
      if (req.method !== "GET") throw protocolErrors.methodNotAllowed(req.method ?? "?", url.pathname, "GET");
      const name = decodePathSegment(match[1]!, "inference component name");
      ctx.auth.authorize(copyLogsAccess(name, options.account));
      if (!(await findComponent(options.store, name)))
        throw sageMakerErrors.notFound("inference component", sageMakerArn(options.account, "inference-component", name));
      const logs = options.logs;
      if (!logs)
        throw invalid(
          "Copy logs are kept by the agent on each GPU host; this replica runs none. Read them on the host: journalctl -u berth-agent (or the agent's own log).",
        );
      const copy = copyId(name, url.searchParams.get("copy"), logs);
      const tail = wholeParameter(url.searchParams.get("tail"), "tail", 100);
      const follow = ["true", "1", ""].includes(url.searchParams.get("follow") ?? "false");
      res.writeHead(200, { "content-type": "application/x-ndjson", "cache-control": "no-store" });
      for (const line of logs.read(name, { copy, tail })) res.write(JSON.stringify(line) + "\n");
      if (!follow) {
        res.end();
        return;
      }
      open.add(res);
      const stop = logs.follow(name, copy, (line) => res.write(JSON.stringify(line) + "\n"));
      res.once("close", () => {
        stop();
        open.delete(res);
      });
    },
  };
}

/** `copy=3` names copy <name>-3; a full copy id is accepted too. */
function copyId(component: string, value: string | null, logs: CopyLogSource): string | undefined {
  if (value === null || value === "") return undefined;
  const id = /^\d+$/.test(value) ? `${component}-${value}` : value;
  const known = logs.copiesOf(component);
  if (!known.includes(id))
    throw invalid(
      `Inference component ${component} has no copy ${value} with output on this server${known.length > 0 ? `; copies with output: ${known.map((k) => k.slice(component.length + 1)).join(", ")}` : " (none of its copies has written anything yet)"}.`,
    );
  return id;
}

function wholeParameter(value: string | null, name: string, fallback: number): number {
  if (value === null) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw invalid(`The ${name} parameter must be a whole number of 0 or more, found '${value}'.`);
  return n;
}

function invalid(message: string): BerthError {
  return new BerthError({ code: "ValidationException", httpStatus: 400, message });
}
