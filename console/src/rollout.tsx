import type { ConsoleSnapshot } from "./api.js";

type RolloutView = NonNullable<ConsoleSnapshot["components"][number]["rollout"]>;

/** A rollout batch by batch: how many new copies are wanted and ready, and how many old ones remain. */
export function Rollout(props: { rollout: RolloutView; compact?: boolean }) {
  const r = props.rollout;
  const total = Math.max(1, r.targetNew + r.targetOld);
  const batch = r.batchSize > 0 ? Math.ceil(r.targetNew / r.batchSize) : 0;
  const text = `${r.kind} · ${r.phase} · batch ${batch} · new ${r.readyNew}/${r.targetNew} ready, old ${r.readyOld}`;
  return (
    <div class="rollout" title={r.rollbackReason}>
      <div class="progress" aria-hidden="true">
        <span class="new" style={{ width: `${(100 * r.readyNew) / total}%` }} />
        <span class="old" style={{ width: `${(100 * r.readyOld) / total}%` }} />
      </div>
      {props.compact ? <small>{text}</small> : <p>{text}</p>}
      {r.rollbackReason && !props.compact && <p class="reason">Rolling back: {r.rollbackReason}</p>}
    </div>
  );
}
