import type { IncomingMessage } from "node:http";
import type { Account } from "../domain/arn.js";
import { authErrors } from "../domain/errors/auth.js";
import { invokeAccess, jsonOperationAccess, type AccessRequest } from "./access.js";
import type { AllowedHosts } from "./hosts.js";
import type { ActiveKey, KeyRing } from "./key-ring.js";
import { SigV4Verifier, type PendingVerification } from "./sigv4.js";

/** What the API layer may ask of one request's authentication, once the gate let it in. */
export interface RequestAuth {
  accessKeyId?: string;
  /** Checks the raw body against the signature; returns the payload (aws-chunked decoded). */
  body(raw: Buffer): Promise<Buffer>;
  authorize(access: AccessRequest): void;
  authorizeJson(targetPrefix: string, operation: string, input: Record<string, unknown>): void;
  authorizeInvoke(endpointName: string): void;
}

export interface AuthGateOptions {
  /** Undefined when authentication is off (--insecure-no-auth). */
  keys?: KeyRing;
  account: Account;
  allowedHosts: AllowedHosts;
  clockSkewSeconds: number;
  now: () => number;
}

/** The agent protocol's paths: outside SigV4, each route checks its own bearer secret (src/cluster/agent-api). */
export const agentProtocolPrefix = "/berth/v1/agents/";

/** Lets an agent protocol request reach its route; it authorizes nothing else. */
const agentProtocol: RequestAuth = {
  body: async (raw) => raw,
  authorize: () => {
    throw authErrors.agentProtocolOnly();
  },
  authorizeJson: () => {
    throw authErrors.agentProtocolOnly();
  },
  authorizeInvoke: () => {
    throw authErrors.agentProtocolOnly();
  },
};

/** An agent protocol path: /berth/v1/agents/<id>[/<action>], no dot segment or escape that could resolve to another route. */
const agentProtocolPath = /^\/berth\/v1\/agents\/[A-Za-z0-9][A-Za-z0-9._-]*(\/[a-z]+)?$/;

function isAgentProtocolPath(url: string | undefined): boolean {
  if (url === undefined) return false;
  const query = url.indexOf("?");
  return agentProtocolPath.test(query < 0 ? url : url.slice(0, query));
}

const open: RequestAuth = {
  body: async (raw) => raw,
  authorize: () => {},
  authorizeJson: () => {},
  authorizeInvoke: () => {},
};

/** The one place a request is let in: Host check, SigV4 verification, then the key's policy per operation. */
export class AuthGate {
  readonly #options: AuthGateOptions;
  readonly #verifier?: SigV4Verifier;

  constructor(options: AuthGateOptions) {
    this.#options = options;
    if (options.keys) this.#verifier = new SigV4Verifier(options.keys, { now: options.now, clockSkewSeconds: options.clockSkewSeconds });
  }

  get enabled(): boolean {
    return this.#verifier !== undefined;
  }

  checkHost(req: IncomingMessage): void {
    const host = req.headers.host;
    if (!this.#options.allowedHosts.allows(host)) throw authErrors.hostNotAllowed(host ?? "(none)", this.#options.allowedHosts.names);
  }

  /** The key's own permissions, for a session it opened with a signed request; undefined once the key is deleted. */
  forKey(accessKeyId: string): KeyAuth | undefined {
    if (!this.#verifier) return open;
    const key = this.#options.keys!.get(accessKeyId);
    if (!key) return undefined;
    return { accessKeyId, authorize: (access) => authorizeKey(key, access, this.#options.account) };
  }

  async admit(req: IncomingMessage, signingName: string): Promise<RequestAuth> {
    if (isAgentProtocolPath(req.url)) return agentProtocol;
    if (!this.#verifier) return open;
    return new SignedRequest(await this.#verifier.begin(req, signingName), this.#options.account);
  }
}

/** A request whose signature the gate checked: one object per request, its methods on the prototype (the router's hot path makes one per invocation). */
class SignedRequest implements RequestAuth {
  readonly accessKeyId: string;
  readonly #pending: PendingVerification;
  readonly #account: Account;

  constructor(pending: PendingVerification, account: Account) {
    this.accessKeyId = pending.key.accessKeyId;
    this.#pending = pending;
    this.#account = account;
  }

  body(raw: Buffer): Promise<Buffer> {
    return this.#pending.body(raw);
  }

  authorize(access: AccessRequest): void {
    authorizeKey(this.#pending.key, access, this.#account);
  }

  authorizeJson(targetPrefix: string, operation: string, input: Record<string, unknown>): void {
    this.authorize(jsonOperationAccess(targetPrefix, operation, input, this.#account));
  }

  authorizeInvoke(endpointName: string): void {
    this.authorize(invokeAccess(endpointName, this.#account));
  }
}

/** What a request authenticated another way (the console's session cookie) may do on behalf of a key. */
export interface KeyAuth {
  accessKeyId?: string;
  authorize(access: AccessRequest): void;
}

function authorizeKey(key: ActiveKey, access: AccessRequest, account: Account): void {
  for (const resource of access.resources) {
    const decision = key.policy.decide(access.action, resource);
    if (decision !== "allow")
      throw authErrors.accessDenied(`arn:aws:iam::${account.accountId}:user/${key.name}`, access.action, resource, decision === "explicit-deny");
  }
}
