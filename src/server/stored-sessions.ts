import { SessionTable, type SessionRecord } from "../router/sessions.js";
import { keys } from "../state/keys.js";
import { changes, del, put, type BerthStore } from "../state/records.js";
import type { Clock } from "../util/clock.js";

/**
 * The router's session table, kept in the store ("session" records) so every router replica, on this
 * machine or in a cluster, routes a session's requests to the copy that holds it.
 */
export async function storedSessions(store: BerthStore, clock: Clock): Promise<{ table: SessionTable; stop: () => void }> {
  const keyOf = (session: Pick<SessionRecord, "endpointName" | "id">) => keys.session(session.endpointName, session.id);
  const table = new SessionTable({
    clock,
    persistence: {
      get: async (endpointName, id) => (await store.get("session", keys.session(endpointName, id)))?.value,
      put: async (session) => void (await store.commit([put("session", keyOf(session), session)])),
      delete: async (session) => void (await store.commit([del("session", keyOf(session))])),
    },
  });
  const stop = store.watch((events) => {
    for (const event of changes(events)) {
      if (event.kind !== "session") continue;
      if (event.type === "delete") table.forget(event.value);
      else table.remember(event.value);
    }
  });
  for (const entry of await store.list("session")) table.remember(entry.value);
  return { table, stop };
}
