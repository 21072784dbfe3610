/** One line a copy's process wrote. */
export interface CopyLogLine {
  /** Epoch milliseconds when the agent read it. */
  time: number;
  copy: string;
  stream: "stdout" | "stderr";
  text: string;
}

interface CopyLog {
  component: string;
  lines: CopyLogLine[];
}

export interface CopyLogLimits {
  /** Lines kept per copy (the newest). */
  linesPerCopy: number;
  /** Copies whose lines are kept, the most recently written first; a stopped copy's lines stay until then. */
  copies: number;
  /** Characters kept of one line; a copy that writes without newlines cannot make one line large. */
  lineChars: number;
}

export const defaultCopyLogLimits: CopyLogLimits = { linesPerCopy: 1000, copies: 500, lineChars: 2048 };

/**
 * The stdout and stderr of this host's copies, kept in memory and bounded (the server's log has them too),
 * so `berth logs` can read a copy's last lines and follow new ones.
 */
export class CopyLogs {
  readonly #limits: CopyLogLimits;
  readonly #logs = new Map<string, CopyLog>();
  readonly #followers = new Set<{ component: string; copy?: string; send: (line: CopyLogLine) => void }>();

  constructor(limits: CopyLogLimits = defaultCopyLogLimits) {
    this.#limits = limits;
  }

  append(component: string, line: CopyLogLine): void {
    let log = this.#logs.get(line.copy);
    if (log) this.#logs.delete(line.copy);
    else log = { component, lines: [] };
    this.#logs.set(line.copy, log);
    const kept =
      line.text.length > this.#limits.lineChars
        ? { ...line, text: `${line.text.slice(0, this.#limits.lineChars)}… (cut at ${this.#limits.lineChars} characters)` }
        : line;
    log.lines.push(kept);
    if (log.lines.length > this.#limits.linesPerCopy) log.lines.splice(0, log.lines.length - this.#limits.linesPerCopy);
    if (this.#logs.size > this.#limits.copies) this.#logs.delete(this.#logs.keys().next().value!);
    for (const f of this.#followers) if (f.component === component && (f.copy === undefined || f.copy === line.copy)) f.send(kept);
  }

  /** The copies of a component with lines kept, by id. */
  copiesOf(component: string): string[] {
    return [...this.#logs.entries()]
      .filter(([, log]) => log.component === component)
      .map(([copy]) => copy)
      .sort((a, b) => a.localeCompare(b, "en", { numeric: true }));
  }

  /** The last `tail` lines of a component's copies (or of one copy), in the order they were read. */
  read(component: string, options: { copy?: string; tail: number }): CopyLogLine[] {
    const lines: CopyLogLine[] = [];
    for (const [copy, log] of this.#logs) if (log.component === component && (options.copy === undefined || options.copy === copy)) lines.push(...log.lines);
    return lines.sort((a, b) => a.time - b.time).slice(-options.tail);
  }

  /** Calls `send` with each new line of the component's copies (or one copy) until the returned function is called. */
  follow(component: string, copy: string | undefined, send: (line: CopyLogLine) => void): () => void {
    const follower = { component, copy, send };
    this.#followers.add(follower);
    return () => this.#followers.delete(follower);
  }
}
