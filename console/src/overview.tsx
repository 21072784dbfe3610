import type { ConsoleSnapshot } from "./api.js";
import { ownerLabel } from "./colors.js";
import { PackingMap } from "./packing-map.js";
import { Rollout } from "./rollout.js";
import { Timeline } from "./timeline.js";

export function Overview(props: { snapshot: ConsoleSnapshot; colors: Map<string, string> }) {
  const { snapshot, colors } = props;
  const onMap = new Map<string, number>();
  for (const instance of snapshot.instances)
    for (const copy of instance.copies) {
      const owner = ownerLabel(instance.endpointName, copy);
      onMap.set(owner, (onMap.get(owner) ?? 0) + 1);
    }
  const accelerators = snapshot.instances.reduce((sum, i) => sum + i.capacity.accelerators, 0);
  const freeAccelerators = snapshot.instances.reduce((sum, i) => sum + i.free.accelerators, 0);
  return (
    <>
      <section>
        <h2>Endpoints</h2>
        <table>
          <thead>
            <tr>
              <th>Endpoint</th>
              <th>Status</th>
              <th>Instances</th>
              <th>Failure reason</th>
            </tr>
          </thead>
          <tbody>
            {snapshot.endpoints.map((e) => (
              <tr key={e.name}>
                <td>{e.name}</td>
                <td class={`status ${e.status}`}>{e.status}</td>
                <td>{snapshot.instances.filter((i) => i.endpointName.toLowerCase() === e.name.toLowerCase()).length}</td>
                <td class="reason">{e.failureReason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>Inference components</h2>
        <table class="components">
          <thead>
            <tr>
              <th>Component</th>
              <th>Endpoint</th>
              <th>Status</th>
              <th>Copies (current / desired)</th>
              <th>Rollout</th>
              <th>Failure reason</th>
            </tr>
          </thead>
          <tbody>
            {snapshot.components.map((c) => (
              <tr key={c.name} data-component={c.name}>
                <td>
                  <span class="swatch" style={{ background: colors.get(c.name) }} />
                  <a href={`#/component/${encodeURIComponent(c.name)}`}>{c.name}</a>
                </td>
                <td>{c.endpointName}</td>
                <td class={`status ${c.status}`}>{c.status}</td>
                <td class="copies">
                  {c.currentCopies} / {c.desiredCopies}
                </td>
                <td>{c.rollout ? <Rollout rollout={c.rollout} compact /> : ""}</td>
                <td class="reason">{c.failureReason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
      <section>
        <h2>
          Packing map{" "}
          <small>
            {snapshot.instances.length} instances, {accelerators - freeAccelerators} of {accelerators} accelerators in use
          </small>
        </h2>
        <ul class="legend" aria-label="Copies on the map per model">
          {[...onMap.entries()]
            .sort(([a], [b]) => a.localeCompare(b))
            .map(([owner, count]) => (
              <li key={owner} data-owner={owner}>
                <span class="swatch" style={{ background: colors.get(owner) ?? "#888" }} />
                {owner}: <span class="count">{count}</span> {count === 1 ? "copy" : "copies"}
              </li>
            ))}
        </ul>
        <PackingMap instances={snapshot.instances} colors={colors} />
      </section>
      <section>
        <h2>Scaling activities</h2>
        <Timeline activities={snapshot.activities} />
      </section>
    </>
  );
}
