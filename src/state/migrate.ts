import { indexPut } from "./components.js";
import { keys } from "./keys.js";
import { absent, check, del, put, unchanged, type BerthStore, type Op } from "./records.js";
import { withConflictRetry } from "./retry.js";

/** One step of the record layout: the ops that bring records of the previous version up to this one. */
type Step = (store: BerthStore) => Promise<Op[]>;

/** Version 1: components are indexed under their endpoint ("endpoint-component"). */
const buildComponentIndex: Step = async (store) => {
  const [components, index] = await Promise.all([store.list("inference-component"), store.list("endpoint-component")]);
  const indexed = new Set(index.map((e) => e.key));
  const wanted = new Set(components.map((c) => keys.endpointComponent(c.value.endpointName, c.value.name)));
  const ops: Op[] = [];
  // The check fails the commit (and the step is read again) if a component changes meanwhile.
  for (const c of components)
    if (!indexed.has(keys.endpointComponent(c.value.endpointName, c.value.name)))
      ops.push(check("inference-component", c.key, unchanged(c)), indexPut(c.value));
  for (const e of index) if (!wanted.has(e.key)) ops.push(del("endpoint-component", e.key, unchanged(e)));
  return ops;
};

const steps: Step[] = [buildComponentIndex];

/** The record layout this Berth reads. */
export const currentStateVersion = steps.length;

/**
 * Brings a data dir written by an older Berth up to the current record layout; called once at start,
 * before anything reads the store. Each step commits with its version number in one commit, so a kill
 * in between repeats only the step that had not committed. Returns the version the data dir had.
 */
export async function migrateState(store: BerthStore): Promise<number> {
  const found = (await store.get("state-version", keys.stateVersion()))?.value.version ?? 0;
  for (let version = found; version < steps.length; version++) {
    const step = steps[version]!;
    await withConflictRetry(async () => {
      const marker = await store.get("state-version", keys.stateVersion());
      if ((marker?.value.version ?? 0) > version) return;
      const ops = await step(store);
      await store.commit([...ops, put("state-version", keys.stateVersion(), { version: version + 1 }, marker ? unchanged(marker) : absent)]);
    });
  }
  return found;
}
