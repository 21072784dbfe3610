import { credentials } from "./berth-process.js";

/**
 * A raw HTTP request to a running Berth, for what the SDK clients cannot send (malformed bodies, Berth's
 * own REST views, /metrics). Drop-in for fetch; requests carry the test credentials once the API checks them.
 */
export function berthFetch(url: string, init: RequestInit = {}): Promise<Response> {
  void credentials;
  return fetch(url, init);
}
