import { execFile } from "node:child_process";
import type { ContainerRuntime } from "./images.js";

function works(command: string): Promise<boolean> {
  return new Promise((resolve) => {
    execFile(command, ["info", "--format", "{{.ServerVersion}}"], { timeout: 5_000 }, (error) => resolve(!error));
  });
}

/** A container runtime counts only when its engine answers, not merely when its client is installed. */
export async function detectContainerRuntime(): Promise<ContainerRuntime | undefined> {
  if (await works("docker")) return "docker";
  if (await works("podman")) return "podman";
  return undefined;
}
