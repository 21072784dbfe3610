import fc from "fast-check";
import type { BerthProcess } from "../berth-process.js";
import { berthFetch } from "../http.js";
import { awaitingFixes } from "./awaiting-fixes.js";
import type { StoredState } from "./stored-state.js";
import { problemWith, sendAll, type HostileRequest } from "./wire.js";

export interface HostileRun {
  berth: BerthProcess;
  requests: fc.Arbitrary<HostileRequest>;
  /** Requests to send in all; batches continue until this many were sent. */
  cases: number;
  /** When given, a batch in which nothing that may change state was accepted must leave it as it was. */
  state?: StoredState;
  batchSize?: number;
  concurrency?: number;
  /** Reported through the test's diagnostics. */
  report: (line: string) => void;
}

export interface HostileTally {
  seed: number;
  sent: number;
  heldBack: number;
  accepted: number;
  refused: number;
  stateChecks: number;
}

/** The run's seed: BERTH_HOSTILE_SEED reproduces a run; otherwise a fresh one, printed. */
export function hostileSeed(): number {
  const given = process.env.BERTH_HOSTILE_SEED;
  return given !== undefined && given !== "" ? Number(given) : (Date.now() ^ (Math.random() * 0x7fffffff)) | 0;
}

/**
 * The suite's property: every answer is a well-formed success or error in the protocol's shape and below
 * 500, the server process stays up, /healthz stays 200, and stored state is unchanged across refused
 * requests. Batches are sent with bounded concurrency; a failing batch is shrunk by fast-check and
 * printed with the seed that reproduces it.
 */
export async function checkHostile(run: HostileRun): Promise<HostileTally> {
  const seed = hostileSeed();
  const tally: HostileTally = { seed, sent: 0, heldBack: 0, accepted: 0, refused: 0, stateChecks: 0 };
  const batchSize = run.batchSize ?? 40;
  const concurrency = run.concurrency ?? 8;
  run.report(`seed ${seed} (rerun with BERTH_HOSTILE_SEED=${seed})`);
  let round = 0;
  while (tally.sent < run.cases) {
    const runs = Math.max(1, Math.ceil((run.cases - tally.sent) / ((batchSize + 1) / 2)));
    await fc.assert(
      fc.asyncProperty(fc.array(run.requests, { minLength: 1, maxLength: batchSize, size: "max" }), async (batch) => {
        const sendable = batch.filter((r) => r.awaits === undefined || !awaitingFixes.has(r.awaits));
        tally.heldBack += batch.length - sendable.length;
        const before = run.state?.snapshot();
        const answers = await sendAll(run.berth.url, sendable, concurrency);
        tally.sent += sendable.length;
        const problems: string[] = [];
        let changeAllowed = false;
        answers.forEach((answer, i) => {
          const request = sendable[i]!;
          const problem = problemWith(request, answer);
          if (problem) problems.push(`${request.label}: ${problem}`);
          if (answer.status >= 200 && answer.status < 300) {
            tally.accepted++;
            if (request.mutating) changeAllowed = true;
          } else tally.refused++;
        });
        if (problems.length > 0) throw new Error(`${problems.length} bad answer(s):\n  ${problems.slice(0, 5).join("\n  ")}`);
        if (run.berth.child.exitCode !== null || run.berth.child.signalCode !== null)
          throw new Error(`the server exited (${run.berth.child.exitCode ?? run.berth.child.signalCode})`);
        const health = await berthFetch(`${run.berth.url}/healthz`);
        await health.arrayBuffer();
        if (health.status !== 200) throw new Error(`/healthz answered ${health.status} after the batch`);
        if (run.state && before && !changeAllowed) {
          const after = run.state.snapshot();
          tally.stateChecks++;
          // The digest, not the revision: a background pass may commit nothing and still move the revision.
          if (after.digest !== before.digest) {
            throw new Error(
              `stored state changed although every request was refused or read-only: revision ${before.revision} -> ${after.revision}, entries ${before.entries} -> ${after.entries}`,
            );
          }
        }
      }),
      // The time limit only bounds shrinking against a server that stopped answering; a normal run ends long before it.
      { seed: seed + round, numRuns: runs, interruptAfterTimeLimit: 300_000, markInterruptAsFailure: true, includeErrorInReport: true },
    );
    round++;
  }
  run.report(
    `${tally.sent} requests sent (${tally.accepted} accepted, ${tally.refused} refused), ${tally.heldBack} held back awaiting other fixes, ${tally.stateChecks} state checks`,
  );
  return tally;
}
