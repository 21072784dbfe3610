import { useEffect, useRef, useState } from "preact/hooks";
import uPlot from "uplot";
import "uplot/dist/uPlot.min.css";
import { api, type ConsoleSeries, type ConsoleSnapshot } from "./api.js";
import { Rollout } from "./rollout.js";
import { Timeline } from "./timeline.js";

type Activity = ConsoleSeries["activities"][number];

/** Scaling activities as vertical lines on every chart, on the same time axis as the metrics. */
function activityLines(activities: () => Activity[]): uPlot.Plugin {
  return {
    hooks: {
      draw: (u) => {
        const ctx = u.ctx;
        ctx.save();
        ctx.strokeStyle = "#d9480f";
        ctx.setLineDash([4, 3]);
        ctx.lineWidth = 1.5 * devicePixelRatio;
        for (const a of activities()) {
          const x = u.valToPos(a.startTime / 1000, "x", true);
          if (x < u.bbox.left || x > u.bbox.left + u.bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, u.bbox.top);
          ctx.lineTo(x, u.bbox.top + u.bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

interface ChartSpec {
  title: string;
  series: { label: string; values: (s: ConsoleSeries) => (number | null)[]; stroke: string; stepped?: boolean }[];
}

const charts: ChartSpec[] = [
  {
    title: "Invocations and errors per bucket",
    series: [
      { label: "invocations", values: (s) => s.invocations, stroke: "#1c7ed6" },
      { label: "errors", values: (s) => s.errors, stroke: "#e03131" },
    ],
  },
  {
    title: "Latency (ms, model + overhead)",
    series: [
      { label: "p50", values: (s) => s.latencyP50Ms, stroke: "#2f9e44" },
      { label: "p99", values: (s) => s.latencyP99Ms, stroke: "#f08c00" },
    ],
  },
  {
    title: "Copies",
    series: [
      { label: "desired", values: (s) => s.desiredCopies, stroke: "#7048e8", stepped: true },
      { label: "current", values: (s) => s.currentCopies, stroke: "#0c8599", stepped: true },
    ],
  },
];

function Chart(props: { spec: ChartSpec; series: ConsoleSeries }) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot>();
  const activities = useRef<Activity[]>([]);
  activities.current = props.series.activities;
  const data = (): uPlot.AlignedData => [props.series.times.map((t) => t / 1000), ...props.spec.series.map((s) => s.values(props.series))];
  useEffect(() => {
    const stepped = uPlot.paths.stepped!({ align: 1 });
    plot.current = new uPlot(
      {
        width: Math.max(320, box.current!.clientWidth),
        height: 180,
        cursor: { sync: { key: "berth" } },
        legend: { live: false },
        plugins: [activityLines(() => activities.current)],
        scales: { y: { range: (_u, min, max) => [Math.min(0, min ?? 0), Math.max(1, max ?? 1)] } },
        series: [
          {},
          ...props.spec.series.map((s) => ({
            label: s.label,
            stroke: s.stroke,
            width: 2,
            spanGaps: true,
            points: { show: false },
            paths: s.stepped ? stepped : undefined,
          })),
        ],
      },
      data(),
      box.current!,
    );
    return () => plot.current?.destroy();
  }, []);
  useEffect(() => plot.current?.setData(data()), [props.series]);
  return (
    <figure class="chart">
      <figcaption>{props.spec.title}</figcaption>
      <div ref={box} />
    </figure>
  );
}

export function ComponentView(props: { name: string; snapshot: ConsoleSnapshot }) {
  const [series, setSeries] = useState<ConsoleSeries>();
  const [error, setError] = useState<string>();
  const component = props.snapshot.components.find((c) => c.name === props.name);
  // Metrics arrive once per bucket; a snapshot (a copy or an activity changed) also refreshes them.
  useEffect(() => {
    let stop = false;
    const load = () =>
      api.series(props.name).then(
        (s) => !stop && (setSeries(s), setError(undefined)),
        (e) => !stop && setError(String(e.message ?? e)),
      );
    void load();
    const timer = setInterval(load, 5000);
    return () => {
      stop = true;
      clearInterval(timer);
    };
  }, [props.name, props.snapshot.at]);
  return (
    <section class="component">
      <p>
        <a href="#/">← Overview</a>
      </p>
      <h2>{props.name}</h2>
      {component ? (
        <p>
          <span class={`status ${component.status}`}>{component.status}</span> on {component.endpointName} · {component.image}
          {component.modelName ? ` (model ${component.modelName})` : ""} · copies {component.currentCopies} / {component.desiredCopies}
          {component.failureReason && <span class="reason"> · {component.failureReason}</span>}
        </p>
      ) : (
        <p class="reason">No such component (deleted?).</p>
      )}
      {component?.rollout && (
        <>
          <h3>Rollout in progress</h3>
          <Rollout rollout={component.rollout} />
        </>
      )}
      {error && <p class="error">{error}</p>}
      {series && (
        <div class="charts">
          {charts.map((spec) => (
            <Chart key={spec.title} spec={spec} series={series} />
          ))}
        </div>
      )}
      <h3>Scaling activities</h3>
      {series && <Timeline activities={[...series.activities].reverse()} />}
    </section>
  );
}
