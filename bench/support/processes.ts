import type { ChildProcess } from "node:child_process";

type Cleanup = () => Promise<unknown> | void;

/** Everything a benchmark started and must stop, run last-registered first. */
const cleanups: Cleanup[] = [];
let signalsInstalled = false;

/** Registers a cleanup; the returned function drops it (once its owner has cleaned up itself). */
export function onCleanup(cleanup: Cleanup): () => void {
  cleanups.push(cleanup);
  return () => {
    const index = cleanups.indexOf(cleanup);
    if (index >= 0) cleanups.splice(index, 1);
  };
}

let cleaning: Promise<void> | undefined;

/**
 * Runs every registered cleanup; one that fails does not stop the others. Callers at the same time (a
 * signal handler and the benchmark's own finally) share one run, so neither exits while the other is
 * still stopping processes.
 */
export function cleanupAll(): Promise<void> {
  cleaning ??= (async () => {
    while (cleanups.length > 0) {
      const cleanup = cleanups.pop()!;
      try {
        await cleanup();
      } catch (error) {
        console.error(`cleanup failed: ${(error as Error).message}`);
      }
    }
  })().finally(() => {
    cleaning = undefined;
  });
  return cleaning;
}

/** On Ctrl-C or SIGTERM, stop every child and remove every temp dir before exiting. */
export function cleanUpOnSignals(): void {
  if (signalsInstalled) return;
  signalsInstalled = true;
  for (const signal of ["SIGINT", "SIGTERM"] as const) {
    process.once(signal, () => {
      console.error(`\n${signal}: stopping the benchmark's processes and removing its temp dirs`);
      void cleanupAll().finally(() => process.exit(130));
    });
  }
}

/** Sends `signal`, then SIGKILL if the child has not exited after graceMs; true when it had to be killed. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals, graceMs: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  child.kill(signal);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill("SIGKILL");
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return killed;
}

/** Kills a process we did not spawn ourselves (a model copy left behind), if it still runs. */
export function killPid(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}
