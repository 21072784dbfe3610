import { execFile } from "node:child_process";
import { refusedVariables, unpassableVariable } from "../domain/copy-launch-rules.js";
import type { CopyFiles } from "./copy-files.js";
import type { CopyIdentity } from "./copy-user.js";
import { agentMarkerVariable } from "./leftovers.js";

/** The PATH of every process copy: fixed by Berth, never the server's nor a user's. */
export const copyPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** What a container client (docker/podman, run as the server's user) needs from the server's environment to reach its engine. */
const containerClientVariables = [
  "HOME",
  "DOCKER_HOST",
  "DOCKER_CONFIG",
  "DOCKER_CONTEXT",
  "DOCKER_CERT_PATH",
  "DOCKER_TLS_VERIFY",
  "CONTAINER_HOST",
  "CONTAINERS_CONF",
  "CONTAINERS_STORAGE_CONF",
  "CONTAINERS_REGISTRIES_CONF",
  "XDG_RUNTIME_DIR",
];

/**
 * How a copy's process is confined: it runs as the copy user through setpriv (no new privileges,
 * killed when the agent dies), from a minimal environment with its own HOME and TMPDIR, and never
 * receives a loader or interpreter variable.
 */
export class CopySandbox {
  readonly identity: CopyIdentity;
  readonly files: CopyFiles;
  readonly #setpriv?: string;

  constructor(identity: CopyIdentity, files: CopyFiles, setpriv: string | undefined) {
    this.identity = identity;
    this.files = files;
    this.#setpriv = setpriv;
  }

  /** Names this agent: its copies carry it in their environment and container labels. */
  get agentLabel(): string {
    return this.files.root;
  }

  /** Starts the command as the copy user, with no new privileges and a parent-death signal. */
  wrap(command: string, args: string[]): { command: string; args: string[] } {
    if (!this.#setpriv) return { command, args };
    const user = this.identity.switched ? [`--reuid=${this.identity.uid}`, `--regid=${this.identity.gid}`, "--clear-groups"] : [];
    return { command: this.#setpriv, args: [...user, "--no-new-privs", "--pdeathsig=KILL", "--", command, ...args] };
  }

  /**
   * Starts a container client (docker/podman run) so that it gets SIGTERM when the agent dies; the
   * client passes it on to the container, which stops and is removed (--rm).
   */
  wrapClient(command: string, args: string[]): { command: string; args: string[] } {
    if (!this.#setpriv) return { command, args };
    return { command: this.#setpriv, args: ["--pdeathsig=TERM", "--", command, ...args] };
  }

  /** The paths among these that the copy user cannot read (checked by trying, as that user). */
  async unreadable(paths: string[]): Promise<string[]> {
    if (!this.#setpriv || !this.identity.switched) return [];
    const results = await Promise.all(
      paths.map(
        (path) =>
          new Promise<string | undefined>((resolve) => {
            const { command, args } = this.wrap("/usr/bin/test", ["-r", path]);
            execFile(command, args, { env: { PATH: copyPath }, timeout: 10_000 }, (error) => resolve(error ? path : undefined));
          }),
      ),
    );
    return results.filter((p): p is string => p !== undefined);
  }

  /** The environment a process copy starts from (nothing of the server's own environment, which may hold secrets). */
  processBase(scratch: { home: string; tmp: string }): Record<string, string> {
    return { PATH: copyPath, HOME: scratch.home, TMPDIR: scratch.tmp, LANG: "C.UTF-8", [agentMarkerVariable]: this.agentLabel };
  }

  /** The environment of a container client process; the copy's own variables reach the container through an env file. */
  containerClientBase(): Record<string, string> {
    const kept = containerClientVariables.filter((k) => process.env[k] !== undefined).map((k) => [k, process.env[k]!]);
    return { PATH: process.env.PATH ?? copyPath, ...Object.fromEntries(kept) };
  }
}

/**
 * A user's environment as a process copy may receive it: loader and interpreter variables and values
 * the OS cannot pass are dropped (records stored before create-time checks existed may hold them).
 */
export function vetProcessEnvironment(environment: Record<string, string>): { kept: Record<string, string>; dropped: string[] } {
  const dropped = new Set(refusedVariables(environment));
  let rest = Object.fromEntries(Object.entries(environment).filter(([k]) => !dropped.has(k)));
  for (let bad = unpassableVariable(rest); bad !== undefined; bad = unpassableVariable(rest)) {
    dropped.add(bad);
    rest = Object.fromEntries(Object.entries(rest).filter(([k]) => k !== bad));
  }
  return { kept: rest, dropped: [...dropped] };
}
