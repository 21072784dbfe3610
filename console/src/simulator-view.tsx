import type { ComponentChildren } from "preact";
import { useEffect, useState } from "preact/hooks";

interface Report {
  markdown: string;
  images: Map<string, string>;
}

/**
 * `berth simulate` writes report.md and SVG charts into a folder; pick that folder (or its files) and the
 * report shows here. Read in the browser: nothing is uploaded. The Markdown is turned into elements, never
 * into HTML, and the charts are shown as images, which run no script.
 */
export function SimulatorView() {
  const [report, setReport] = useState<Report>();
  const [error, setError] = useState<string>();
  useEffect(() => () => report && report.images.forEach((url) => URL.revokeObjectURL(url)), [report]);
  const pick = async (files: FileList | null) => {
    const list = [...(files ?? [])];
    const md = list.find((f) => f.name === "report.md");
    if (!md) return setError("Pick the folder (or the files) berth simulate wrote: report.md and its .svg charts.");
    const images = new Map(list.filter((f) => f.name.endsWith(".svg")).map((f) => [f.name, URL.createObjectURL(f)]));
    setError(undefined);
    setReport({ markdown: await md.text(), images });
  };
  return (
    <section class="simulator">
      <h2>Simulator report</h2>
      <p>
        Run <code>npx berth simulate --portfolio … --trace … --out sim-report</code>, then choose the <code>sim-report</code> folder's files:
      </p>
      <input type="file" multiple accept=".md,.svg" onChange={(e) => void pick(e.currentTarget.files)} />
      {error && <p class="error">{error}</p>}
      {report && <article class="report">{renderMarkdown(report.markdown, report.images)}</article>}
    </section>
  );
}

function inline(text: string): ComponentChildren[] {
  return text
    .split(/(\*\*[^*]+\*\*|`[^`]+`)/)
    .map((part, i) =>
      part.startsWith("**") && part.endsWith("**") ? (
        <strong key={i}>{part.slice(2, -2)}</strong>
      ) : part.startsWith("`") && part.endsWith("`") ? (
        <code key={i}>{part.slice(1, -1)}</code>
      ) : (
        part
      ),
    );
}

export function renderMarkdown(markdown: string, images: Map<string, string>): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const lines = markdown.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    const image = /^!\[([^\]]*)\]\(([^)]+)\)\s*$/.exec(line);
    if (heading) {
      const Tag = `h${Math.min(6, heading[1]!.length + 2)}` as "h3";
      out.push(<Tag key={i}>{inline(heading[2]!)}</Tag>);
    } else if (image) {
      const src = images.get(image[2]!.split("/").pop()!);
      out.push(
        src ? (
          <img key={i} src={src} alt={image[1]} />
        ) : (
          <p key={i}>
            [{image[1]}: {image[2]} not picked]
          </p>
        ),
      );
    } else if (line.startsWith("|")) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith("|"); i++)
        rows.push(
          lines[i]!.split("|")
            .slice(1, -1)
            .map((c) => c.trim()),
        );
      i--;
      const body = rows.filter((r, n) => n > 0 && !r.every((c) => /^:?-+:?$/.test(c)));
      out.push(
        <table key={i}>
          <thead>
            <tr>
              {rows[0]!.map((c, n) => (
                <th key={n}>{inline(c)}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {body.map((r, n) => (
              <tr key={n}>
                {r.map((c, m) => (
                  <td key={m}>{inline(c)}</td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>,
      );
    } else if (/^\s*[-*]\s+/.test(line)) {
      const items: string[] = [];
      for (; i < lines.length && /^\s*[-*]\s+/.test(lines[i]!); i++) items.push(lines[i]!.replace(/^\s*[-*]\s+/, ""));
      i--;
      out.push(
        <ul key={i}>
          {items.map((item, n) => (
            <li key={n}>{inline(item)}</li>
          ))}
        </ul>,
      );
    } else if (line.trim() !== "") out.push(<p key={i}>{inline(line)}</p>);
  }
  return out;
}
