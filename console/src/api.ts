import type { ConsoleSeries, ConsoleSnapshot, ConsoleWhoAmI } from "../../src/console/types.js";
import { signedHeaders, type LoginKey } from "./sigv4.js";

export type { ConsoleSeries, ConsoleSnapshot, ConsoleWhoAmI };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function json<T>(response: Response): Promise<T> {
  const body = await response.json().catch(() => ({}));
  if (!response.ok)
    throw new ApiError(response.status, String(body.__type ?? body.code ?? response.status), String(body.message ?? body.Message ?? response.statusText));
  return body as T;
}

export const api = {
  whoAmI: () => fetch("api/whoami", { credentials: "same-origin" }).then((r) => json<ConsoleWhoAmI>(r)),
  snapshot: () => fetch("api/snapshot", { credentials: "same-origin" }).then((r) => json<ConsoleSnapshot>(r)),
  series: (component: string) =>
    fetch(`api/components/${encodeURIComponent(component)}/series`, { credentials: "same-origin" }).then((r) => json<ConsoleSeries>(r)),
  async login(key: LoginKey, region: string): Promise<ConsoleWhoAmI> {
    const path = new URL("api/session", location.href).pathname;
    const headers = await signedHeaders(key, { method: "POST", host: location.host, path, region, service: "sagemaker" });
    return json<ConsoleWhoAmI>(await fetch(path, { method: "POST", headers, credentials: "same-origin" }));
  },
  logout: () => fetch("api/session", { method: "DELETE", credentials: "same-origin" }).then((r) => json<ConsoleWhoAmI>(r)),
};
