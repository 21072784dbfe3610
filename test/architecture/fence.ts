// The architecture fence: reads TypeScript sources with the compiler's parser (not regular expressions),
// lists every import and every use of an ambient source of time, randomness or I/O, and checks them against
// folder rules. Files are named by their path from the repository root with forward slashes ("src/router/router.ts").
import { builtinModules } from "node:module";
import { posix } from "node:path";
import ts from "typescript";

/** Where an import leads: a Node built-in, an npm package, or a file of this repository. */
export type Target = { kind: "builtin"; name: string } | { kind: "package"; name: string } | { kind: "file"; path: string };

export interface Import {
  /** The text between the quotes. */
  specifier: string;
  form: "import" | "import type" | "side-effect import" | "export from" | "dynamic import()" | "require()" | "import type()" | "import = require()";
  line: number;
  target: Target;
}

/** A use of an ambient global that reads time, randomness or the process, or starts a timer. */
export interface AmbientUse {
  /** What was used, as a reader would name it: "Date", "Math.random", "setTimeout", "process", "globalThis". */
  name: string;
  line: number;
}

export interface SourceFacts {
  path: string;
  imports: Import[];
  ambient: AmbientUse[];
  /** Dynamic imports and require() calls whose argument is not a plain string: no rule can check them. */
  unresolved: { line: number; text: string }[];
  /** Method calls (`x.name(...)`, `x?.name(...)`), by method name. */
  calls: { method: string; line: number }[];
}

const builtins = new Set(builtinModules);

export function isBuiltin(specifier: string): boolean {
  return specifier.startsWith("node:") || builtins.has(specifier) || builtins.has(specifier.split("/")[0]!);
}

/** Resolves a specifier as the NodeNext build does: relative paths name the compiled .js of a .ts source. */
export function resolve(from: string, specifier: string): Target {
  if (isBuiltin(specifier)) return { kind: "builtin", name: specifier.replace(/^node:/, "") };
  if (!specifier.startsWith(".")) {
    const parts = specifier.split("/");
    return { kind: "package", name: specifier.startsWith("@") ? parts.slice(0, 2).join("/") : parts[0]! };
  }
  const joined = posix.normalize(posix.join(posix.dirname(from), specifier));
  return {
    kind: "file",
    path: joined
      .replace(/\.js$/, ".ts")
      .replace(/\.mjs$/, ".mts")
      .replace(/\.cjs$/, ".cts"),
  };
}

/**
 * Globals that decision code may not touch, by the name they are reached through. The check is by name:
 * a local variable named after one of them counts as the global, so decision code does not shadow them.
 */
const ambientGlobals = new Set([
  "Date",
  "Intl",
  "performance",
  "process",
  "setTimeout",
  "setInterval",
  "setImmediate",
  "queueMicrotask",
  "clearTimeout",
  "clearInterval",
  "clearImmediate",
  "crypto",
  "fetch",
  "require",
  "eval",
  "Function",
  "globalThis",
  "global",
]);

function stringArgument(node: ts.Node | undefined): string | undefined {
  if (node && (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node))) return node.text;
  return undefined;
}

/** True where an identifier names a declaration, a property or a type rather than reading a value. */
function isNotAValueRead(id: ts.Identifier): boolean {
  const parent = id.parent;
  if (ts.isPropertyAccessExpression(parent)) return parent.name === id;
  if (ts.isBindingElement(parent)) return parent.propertyName === id;
  if (ts.isImportSpecifier(parent) || ts.isExportSpecifier(parent) || ts.isImportClause(parent) || ts.isNamespaceImport(parent)) return true;
  if (ts.isLabeledStatement(parent) || ts.isBreakOrContinueStatement(parent)) return true;
  const named = parent as ts.Node & { name?: ts.Node };
  if (named.name === id && !ts.isShorthandPropertyAssignment(parent)) return true;
  return isInType(id);
}

/** True inside a type annotation; a class's `extends X` reads the value X. */
function isInType(node: ts.Node): boolean {
  for (let at: ts.Node = node; at.parent; at = at.parent) {
    const parent = at.parent;
    if (ts.isExpressionWithTypeArguments(parent) && parent.expression === at) {
      const clause = parent.parent;
      return !(ts.isHeritageClause(clause) && clause.token === ts.SyntaxKind.ExtendsKeyword && ts.isClassLike(clause.parent));
    }
    if (ts.isTypeNode(parent)) return true;
  }
  return false;
}

function isMath(node: ts.Expression): boolean {
  return ts.isIdentifier(node) && node.text === "Math";
}

/** Parses one source text and lists its imports and its uses of ambient globals. */
export function readSource(path: string, text: string): SourceFacts {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const facts: SourceFacts = { path, imports: [], ambient: [], unresolved: [], calls: [] };
  const lineOf = (node: ts.Node) => file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
  const addImport = (node: ts.Node, specifier: string, form: Import["form"]) =>
    facts.imports.push({ specifier, form, line: lineOf(node), target: resolve(path, specifier) });

  const visit = (node: ts.Node): void => {
    if (ts.isImportDeclaration(node)) {
      const specifier = stringArgument(node.moduleSpecifier)!;
      const clause = node.importClause;
      addImport(node, specifier, !clause ? "side-effect import" : clause.isTypeOnly ? "import type" : "import");
    } else if (ts.isExportDeclaration(node) && node.moduleSpecifier) {
      addImport(node, stringArgument(node.moduleSpecifier)!, "export from");
    } else if (ts.isImportEqualsDeclaration(node) && ts.isExternalModuleReference(node.moduleReference)) {
      addImport(node, stringArgument(node.moduleReference.expression)!, "import = require()");
    } else if (ts.isImportTypeNode(node) && ts.isLiteralTypeNode(node.argument)) {
      const specifier = stringArgument(node.argument.literal);
      if (specifier !== undefined) addImport(node, specifier, "import type()");
    } else if (ts.isCallExpression(node)) {
      const dynamic = node.expression.kind === ts.SyntaxKind.ImportKeyword;
      const required = ts.isIdentifier(node.expression) && node.expression.text === "require";
      if (ts.isPropertyAccessExpression(node.expression)) facts.calls.push({ method: node.expression.name.text, line: lineOf(node) });
      if (dynamic || required) {
        const specifier = stringArgument(node.arguments[0]);
        if (specifier !== undefined) addImport(node, specifier, dynamic ? "dynamic import()" : "require()");
        else facts.unresolved.push({ line: lineOf(node), text: node.getText(file) });
      }
    }

    if (ts.isPropertyAccessExpression(node) && isMath(node.expression) && node.name.text === "random") {
      facts.ambient.push({ name: "Math.random", line: lineOf(node) });
    } else if (ts.isElementAccessExpression(node) && isMath(node.expression)) {
      const key = stringArgument(node.argumentExpression);
      if (key === undefined || key === "random") facts.ambient.push({ name: "Math.random", line: lineOf(node) });
    } else if (ts.isIdentifier(node) && node.text === "Math" && !isNotAValueRead(node)) {
      const parent = node.parent;
      const reachesMember = (ts.isPropertyAccessExpression(parent) || ts.isElementAccessExpression(parent)) && parent.expression === node;
      // `const { random } = Math` or `const m = Math` hands Math.random on under another name.
      if (!reachesMember) facts.ambient.push({ name: "Math.random", line: lineOf(node) });
    } else if (ts.isIdentifier(node) && ambientGlobals.has(node.text) && !isNotAValueRead(node)) {
      // `require("x")` is already an import; a bare `require` reference is not.
      const isRequireCall = node.text === "require" && ts.isCallExpression(node.parent) && node.parent.expression === node;
      const parent = node.parent;
      const member = ts.isPropertyAccessExpression(parent) && parent.expression === node && /^global(This)?$/.test(node.text) ? `.${parent.name.text}` : "";
      if (!isRequireCall) facts.ambient.push({ name: node.text + member, line: lineOf(node) });
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return facts;
}

/** A set of files: a folder ("src/rollout/"), a file ("src/alarms/evaluate.ts"), or a file-name pattern within a folder. */
export type FileSet = (string | RegExp)[];

function inSet(path: string, set: FileSet): boolean {
  return set.some((entry) => (typeof entry === "string" ? (entry.endsWith("/") ? path.startsWith(entry) : path === entry) : entry.test(path)));
}

export interface FolderRule {
  name: string;
  /** The files the rule binds. */
  files: FileSet;
  /** Files the rule leaves out, each with the reason. */
  /** Repository files these files may not import (every form of import counts, types included). */
  mayNotImport?: FileSet;
  /** Where set, the only repository files these files may import. */
  mayImportOnly?: FileSet;
  mayNotImportBuiltins?: boolean;
  /** npm packages the files may import; undefined allows any. */
  packages?: string[];
  mayNotUseAmbient?: boolean;
  /** Methods the files may not call, with what calling them means. */
  mayNotCall?: { method: string; means: string }[];
  /** Why the rule exists: shown with each violation. */
  why: string;
}

export interface Violation {
  file: string;
  line: number;
  rule: string;
  message: string;
}

function describeTarget(target: Target): string {
  if (target.kind === "builtin") return `the Node built-in "${target.name}"`;
  if (target.kind === "package") return `the package "${target.name}"`;
  return target.path;
}

/** Checks each file against each rule that binds it. */
export function checkRules(files: SourceFacts[], rules: FolderRule[]): Violation[] {
  const violations: Violation[] = [];
  for (const facts of files) {
    for (const rule of rules) {
      if (!inSet(facts.path, rule.files)) continue;
      const report = (line: number, what: string) =>
        violations.push({ file: facts.path, line, rule: rule.name, message: `${facts.path}:${line}: ${rule.name}: ${what} (${rule.why})` });
      for (const found of facts.imports) {
        const { target } = found;
        const forbidden =
          (target.kind === "builtin" && rule.mayNotImportBuiltins) ||
          (target.kind === "package" && rule.packages !== undefined && !rule.packages.includes(target.name)) ||
          (target.kind === "file" &&
            (inSet(target.path, rule.mayNotImport ?? []) || (rule.mayImportOnly !== undefined && !inSet(target.path, rule.mayImportOnly))));
        if (forbidden) report(found.line, `${found.form} "${found.specifier}" reaches ${describeTarget(target)}`);
      }
      for (const call of facts.calls) {
        const banned = rule.mayNotCall?.find((b) => b.method === call.method);
        if (banned) report(call.line, `calls .${call.method}(), which ${banned.means}`);
      }
      if (rule.mayNotUseAmbient) for (const use of facts.ambient) report(use.line, `uses the global ${use.name}; take it as an input instead`);
      if (rule.mayNotImport || rule.mayImportOnly)
        for (const call of facts.unresolved) report(call.line, `${call.text} imports a computed name that no rule can check`);
    }
  }
  return violations;
}

/** A folder is the first directory under src/ ("src/controllers/endpoint/world.ts" is in "controllers"). */
export function folderOf(path: string): string | undefined {
  const match = /^src\/([^/]+)\//.exec(path);
  return match?.[1];
}

/** Cycles in the graph of folders, each listed once as "a → b → a", with one import on each edge as evidence. */
export function folderCycles(files: SourceFacts[]): Violation[] {
  const edges = new Map<string, Map<string, string>>();
  for (const facts of files) {
    const from = folderOf(facts.path);
    if (!from) continue;
    for (const found of facts.imports) {
      const to = found.target.kind === "file" ? folderOf(found.target.path) : undefined;
      if (!to || to === from) continue;
      const out = edges.get(from) ?? new Map<string, string>();
      if (!out.has(to)) out.set(to, `${facts.path}:${found.line} imports ${found.target.kind === "file" ? found.target.path : ""}`);
      edges.set(from, out);
    }
  }
  // Strongly connected components (Tarjan); each component of more than one folder is a cycle to break.
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const components: string[][] = [];
  let next = 0;
  const connect = (node: string): void => {
    index.set(node, next);
    low.set(node, next++);
    stack.push(node);
    onStack.add(node);
    for (const to of edges.get(node)?.keys() ?? []) {
      if (!index.has(to)) {
        connect(to);
        low.set(node, Math.min(low.get(node)!, low.get(to)!));
      } else if (onStack.has(to)) low.set(node, Math.min(low.get(node)!, index.get(to)!));
    }
    if (low.get(node) === index.get(node)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== node);
      if (component.length > 1) components.push(component.sort());
    }
  };
  for (const node of [...edges.keys()].sort()) if (!index.has(node)) connect(node);

  return components.map((component) => {
    const inside = new Set(component);
    const evidence = component.flatMap((from) =>
      [...(edges.get(from) ?? [])].filter(([to]) => inside.has(to)).map(([to, where]) => `  ${from} → ${to}: ${where}`),
    );
    return {
      file: `src/${component[0]}/`,
      line: 0,
      rule: "no cycles between folders",
      message: `folders ${component.join(", ")} import each other:\n${evidence.join("\n")}\n(a folder must build on the folders below it; move the shared type to the lower folder)`,
    };
  });
}

/** Imports of repository files that do not exist: a rule cannot see through a wrong path. */
export function missingFiles(files: SourceFacts[], exists: (path: string) => boolean): Violation[] {
  return files.flatMap((facts) =>
    facts.imports
      .filter((found) => found.target.kind === "file" && !exists(found.target.path))
      .map((found) => ({
        file: facts.path,
        line: found.line,
        rule: "imports resolve",
        message: `${facts.path}:${found.line}: "${found.specifier}" names no source file`,
      })),
  );
}
