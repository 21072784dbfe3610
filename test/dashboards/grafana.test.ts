import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, it, type TestContext } from "node:test";
import { parse, stringify } from "yaml";
import { metricFamilies } from "../../src/cli/prometheus-text.js";
import { berth, berthRunning } from "../support/berth-cli.js";
import { startBerth, type BerthProcess } from "../support/berth-process.js";
import { createComponent, createIcEndpoint, echoComponent } from "../support/fixtures.js";
import { berthFetch } from "../support/http.js";
import { invoke } from "../support/invoke.js";
import { eventually } from "../support/wait.js";
import { freePort } from "../support/etcd.js";
import { tempDir } from "../support/temp-dir.js";

const repo = (path: string) => fileURLToPath(new URL(`../../../${path}`, import.meta.url));

interface Panel {
  title: string;
  datasource: { uid: string };
  targets: { expr: string }[];
}
const dashboard = JSON.parse(readFileSync(repo("deploy/grafana/berth.json"), "utf8")) as {
  panels: Panel[];
  templating: { list: { name: string; type: string; definition?: string }[] };
};

const keywords = new Set(["by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless", "offset", "inf", "nan"]);

/** The metric names a PromQL expression selects: identifiers that are not functions, keywords, label names or durations. */
export function metricNames(expr: string): string[] {
  const bare = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""') // string literals
    .replace(/\{[^}]*\}/g, "") // label matchers
    .replace(/\[[^\]]*\]/g, "") // range and subquery windows
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, "") // label lists
    .replace(/\$\{?\w+\}?/g, "") // Grafana variables
    .replace(/(?<![\w:])\d[\w.]*/g, ""); // numbers and durations
  return [...bare.matchAll(/([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?/g)]
    .filter((m) => m[2] === undefined) // a name followed by "(" is a function
    .map((m) => m[1]!)
    .filter((name) => !keywords.has(name.toLowerCase()));
}

/** A histogram's _bucket, _sum and _count series belong to its family. */
function family(name: string, families: Set<string>): string | undefined {
  if (families.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, "");
  return families.has(base) ? base : undefined;
}

let server: BerthProcess;
before(async () => {
  server = await startBerth();
});
after(async () => {
  await server.stop();
});

describe("deploy/grafana/berth.json", () => {
  it("reads the metric names of a PromQL expression", (t: TestContext) => {
    t.assert.deepStrictEqual(
      metricNames('histogram_quantile(0.99, sum by (component, le) (rate(berth_model_latency_seconds_bucket{endpoint=~"$endpoint"}[$__rate_interval])))'),
      ["berth_model_latency_seconds_bucket"],
    );
    t.assert.deepStrictEqual(metricNames("sum(rate(a_total[5m])) / on (x) group_left b_info offset 5m"), ["a_total", "b_info"]);
  });

  it("every metric each panel and variable queries exists in a real server's /metrics", async (t: TestContext) => {
    const endpoint = await createIcEndpoint(server.sagemaker);
    const component = await createComponent(server.sagemaker, echoComponent(endpoint, { accelerators: 0, cpu: 0.5, memory: 256 }));
    await invoke(server.runtime, endpoint, component, "{}");
    const text = await (await berthFetch(`${server.url}/metrics`)).text();
    const families = metricFamilies(text);

    const queried = new Map<string, string[]>();
    for (const panel of dashboard.panels) {
      t.assert.ok(panel.targets.length > 0, `panel ${panel.title} queries something`);
      t.assert.equal(panel.datasource.uid, "${datasource}", `panel ${panel.title} uses the dashboard's Prometheus variable`);
      for (const target of panel.targets) for (const name of metricNames(target.expr)) queried.set(name, [...(queried.get(name) ?? []), panel.title]);
    }
    for (const variable of dashboard.templating.list.filter((v) => v.type === "query")) {
      const inner = /label_values\((.*),\s*\w+\)$/.exec(variable.definition ?? "")![1]!;
      for (const name of metricNames(inner)) queried.set(name, [...(queried.get(name) ?? []), `variable ${variable.name}`]);
    }
    const missing = [...queried].filter(([name]) => !family(name, families)).map(([name, where]) => `${name} (${where.join(", ")})`);
    t.assert.deepStrictEqual(missing, [], "metrics the dashboard queries that /metrics lacks");
    for (const needed of [
      "berth_invocations_total",
      "berth_model_latency_seconds",
      "berth_invocation_errors_total",
      "berth_copies",
      "berth_instances",
      "berth_held_requests",
      "berth_overhead_latency_seconds",
    ])
      t.assert.ok(
        [...queried.keys()].some((name) => family(name, families) === needed),
        `the dashboard shows ${needed}`,
      );
    t.assert.match(text, new RegExp(`^berth_instances\\{endpoint="${endpoint}",variant="AllTraffic"\\} 1$`, "m"));
    t.assert.match(text, new RegExp(`^berth_held_requests\\{endpoint="${endpoint}",variant="AllTraffic",component="${component}"\\} 0$`, "m"));
  });

  it("deploy/prometheus/prometheus.yml scrapes berth metrics-proxy, which serves the server's /metrics unsigned", async (t: TestContext) => {
    const config = parse(readFileSync(repo("deploy/prometheus/prometheus.yml"), "utf8")) as {
      scrape_configs: { job_name: string; metrics_path: string; static_configs: { targets: string[] }[] }[];
    };
    const job = config.scrape_configs.find((j) => j.job_name === "berth")!;
    t.assert.equal(job.metrics_path, "/metrics");
    t.assert.deepStrictEqual(job.static_configs[0]!.targets, ["127.0.0.1:9464"]);

    const exposed = await berth(server, ["metrics-proxy", "--listen", "0.0.0.0:0"]);
    t.assert.equal(exposed.code, 2, "an address other hosts reach needs the insecure flag");
    t.assert.match(exposed.stderr, /can be reached from other hosts, and the proxy answers without a key.*--insecure-listen-beyond-loopback/);

    const proxy = berthRunning(server, ["metrics-proxy", "--listen", "127.0.0.1:0"]);
    t.after(() => proxy.stop());
    const url = /at (http:\/\/\S+\/metrics)/.exec(await proxy.waitForOutput(/at http:\/\/\S+\/metrics/, "the proxy's address"))![1]!;
    const scraped = await fetch(url);
    t.assert.equal(scraped.status, 200);
    t.assert.ok(metricFamilies(await scraped.text()).has("berth_copies"));
  });

  it("a real Prometheus scrapes the server through berth metrics-proxy with the shipped config, and every panel's query evaluates with data", async (t: TestContext) => {
    const prometheus = process.env.BERTH_PROMETHEUS ?? "/usr/bin/prometheus";
    if (!existsSync(prometheus))
      throw new Error(`${prometheus} is missing: install Debian's Prometheus (apt-get install prometheus; .ci/run does), or set BERTH_PROMETHEUS`);
    const endpoint = await createIcEndpoint(server.sagemaker);
    const component = await createComponent(server.sagemaker, echoComponent(endpoint, { accelerators: 0, cpu: 0.5, memory: 256 }));
    const proxy = berthRunning(server, ["metrics-proxy", "--listen", "127.0.0.1:0"]);
    t.after(() => proxy.stop());
    const target = /at http:\/\/(\S+)\/metrics/.exec(await proxy.waitForOutput(/at http:\/\/\S+\/metrics/, "the proxy's address"))![1]!;

    // The shipped config, pointed at this proxy and scraping every second so the test need not wait 15 s per sample.
    const config = parse(readFileSync(repo("deploy/prometheus/prometheus.yml"), "utf8")) as {
      global: Record<string, string>;
      scrape_configs: { job_name: string; static_configs: { targets: string[] }[] }[];
    };
    config.global.scrape_interval = "1s";
    config.scrape_configs.find((j) => j.job_name === "berth")!.static_configs[0]!.targets = [target];
    const dir = tempDir("berth-prometheus-");
    writeFileSync(join(dir, "prometheus.yml"), stringify(config));
    const port = await freePort();
    const child = spawn(
      prometheus,
      [`--config.file=${join(dir, "prometheus.yml")}`, `--storage.tsdb.path=${join(dir, "data")}`, `--web.listen-address=127.0.0.1:${port}`],
      {
        stdio: ["ignore", "ignore", "pipe"],
      },
    );
    let log = "";
    child.stderr!.on("data", (chunk: Buffer) => (log = (log + chunk.toString("utf8")).slice(-4000)));
    t.after(() => child.kill("SIGTERM"));
    const query = async (expr: string) => {
      const response = await fetch(`http://127.0.0.1:${port}/api/v1/query?query=${encodeURIComponent(expr)}`);
      return (await response.json()) as { status: string; error?: string; data?: { result: unknown[] } };
    };
    await eventually(async () => ((await query('up{job="berth"} == 1')).data?.result.length === 1 ? true : undefined), {
      timeoutMs: 60_000,
      what: () => `Prometheus to scrape berth metrics-proxy successfully; its log: ${log}`,
    });

    const grafana = (expr: string) => expr.replaceAll("$__rate_interval", "1m").replace(/\$\{?\w+\}?/g, ".*");
    const panels = dashboard.panels.flatMap((panel) => panel.targets.map((target) => ({ title: panel.title, expr: grafana(target.expr) })));
    const withData = new Set<string>();
    await eventually(
      async () => {
        await invoke(server.runtime, endpoint, component, "{}");
        for (const panel of panels) {
          const answer = await query(panel.expr);
          if (answer.status !== "success") throw new Error(`panel ${panel.title}: Prometheus refused ${panel.expr}: ${answer.error}`);
          if ((answer.data?.result.length ?? 0) > 0) withData.add(panel.title);
        }
        return ["Requests per second", "Model latency p50 and p99", "Copies: ready and desired", "Instances"].every((title) => withData.has(title))
          ? true
          : undefined;
      },
      {
        timeoutMs: 60_000,
        intervalMs: 1000,
        what: () => `the traffic, latency, copies and instances panels to show data (so far: ${[...withData].join(", ")})`,
      },
    );
  });
});
