import { readFile } from "node:fs/promises";
import { LineCounter, parseDocument, visit, type Document } from "yaml";
import { PortfolioError } from "./errors.js";
import { defaultCatalogDir, loadCatalog, type Catalog } from "./portfolio/catalog.js";
import { readEndpoint } from "./portfolio/endpoint.js";
import { Fields } from "./portfolio/fields.js";
import { readMapping } from "./portfolio/mapping-spec.js";
import { readModels } from "./portfolio/models.js";
import type { Portfolio, SimulationSpec } from "./portfolio/types.js";

export type * from "./portfolio/types.js";

export interface LoadPortfolioOptions {
  /** Folder with models.json and instances.json; default `<project root>/data/catalog`. */
  catalogDir?: string;
  /** An already loaded catalog (wins over catalogDir). */
  catalog?: Catalog;
}

const topFields = ["version", "description", "models", "endpoint", "mapping", "simulation"];

/** Reads a YAML or JSON portfolio file; throws a PortfolioError listing every problem with its line. */
export async function loadPortfolio(path: string, options: LoadPortfolioOptions = {}): Promise<Portfolio> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new PortfolioError([{ file: path, line: 1, path: "", message: `cannot read the portfolio file (${(error as Error).message})` }]);
  }
  const catalog = options.catalog ?? (await loadCatalog(options.catalogDir ?? defaultCatalogDir()));
  return parsePortfolio(text, path, catalog);
}

/** The same as loadPortfolio for text already in memory; file only names it in messages. */
export function parsePortfolio(text: string, file: string, catalog: Catalog): Portfolio {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new PortfolioError(
      doc.errors.map((e) => ({ file, line: lines.linePos(e.pos[0]).line, path: "", message: `not valid YAML or JSON: ${e.message.split("\n")[0]}` })),
    );
  }
  const f = new Fields(file, doc, lines);
  const notes: string[] = [];
  const top = f.mapping([], toPlain(doc, file, lines), topFields);
  if (!top) throw new PortfolioError(f.issues);
  if (top.version !== undefined) f.number(["version"], top.version, { whole: true, min: 1, max: 1 });
  const description = top.description === undefined ? undefined : f.string(["description"], top.description);
  const endpoint = readEndpoint(f, top.endpoint, catalog);
  const models = readModels(f, top.models, catalog, endpoint?.instance, notes);
  const simulation = readSimulation(f, top.simulation);
  const mapping = readMapping(
    f,
    top.mapping,
    models.map((m) => m.name),
    simulation?.seed ?? 1,
  );
  if (f.issues.length > 0 || !endpoint || !simulation || !mapping) throw new PortfolioError(f.issues);
  return { file, ...(description !== undefined && { description }), models, endpoint, mapping, simulation, catalogDir: catalog.dir, notes };
}

/** The document as plain values; aliases that expand to too many nodes (a "billion laughs" file) are refused by the yaml library. */
function toPlain(doc: Document, file: string, lines: LineCounter): unknown {
  try {
    return doc.toJS();
  } catch (error) {
    let line = 1;
    visit(doc, {
      Alias(_, node) {
        if (node.range) line = lines.linePos(node.range[0]).line;
        return visit.BREAK;
      },
    });
    throw new PortfolioError([
      {
        file,
        line,
        path: "",
        message: `cannot expand the file's YAML aliases (${(error as Error).message}); write the values out, or use fewer aliases (*name) and none that nest`,
      },
    ]);
  }
}

function readSimulation(f: Fields, value: unknown): SimulationSpec | undefined {
  const s = value === undefined ? {} : f.mapping(["simulation"], value, ["durationS", "rateScale", "seed", "scalingPeriodS"]);
  if (!s) return undefined;
  const durationS = s.durationS === undefined ? undefined : f.number(["simulation", "durationS"], s.durationS, { above: 0 });
  const rateScale = s.rateScale === undefined ? undefined : f.number(["simulation", "rateScale"], s.rateScale, { above: 0 });
  const seed = s.seed === undefined ? 1 : f.number(["simulation", "seed"], s.seed, { whole: true });
  const scalingPeriodS = s.scalingPeriodS === undefined ? 60 : f.number(["simulation", "scalingPeriodS"], s.scalingPeriodS, { above: 0 });
  if (
    seed === undefined ||
    scalingPeriodS === undefined ||
    (s.durationS !== undefined && durationS === undefined) ||
    (s.rateScale !== undefined && rateScale === undefined)
  )
    return undefined;
  return { ...(durationS !== undefined && { durationS }), ...(rateScale !== undefined && { rateScale }), seed, scalingPeriodS };
}
