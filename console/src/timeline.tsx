import type { ConsoleSnapshot } from "./api.js";

type Activity = ConsoleSnapshot["activities"][number];

export function time(ms: number): string {
  return new Date(ms).toLocaleTimeString([], { hour12: false });
}

export function Timeline(props: { activities: Activity[] }) {
  if (props.activities.length === 0) return <p class="empty">No scaling activity yet.</p>;
  return (
    <ol class="timeline">
      {props.activities.map((a) => (
        <li key={a.activityId} data-status={a.statusCode}>
          <time>{time(a.startTime)}</time> <span class={`status ${a.statusCode}`}>{a.statusCode}</span> <span class="resource">{a.resourceId}</span>{" "}
          <span class="description">{a.description}</span>
          <div class="cause">
            {a.cause}
            {a.statusMessage ? ` — ${a.statusMessage}` : ""}
          </div>
        </li>
      ))}
    </ol>
  );
}
