/**
 * A block of status lines, one per key. On a terminal the block is redrawn in place; elsewhere (a pipe,
 * a log file, CI) each line is printed once per change, so the output reads as a plain log.
 */
export class StatusLines {
  readonly #out: NodeJS.WritableStream;
  readonly #live: boolean;
  readonly #lines = new Map<string, string>();
  #drawn = 0;

  constructor(out: NodeJS.WritableStream & { isTTY?: boolean }, live = out.isTTY === true) {
    this.#out = out;
    this.#live = live;
  }

  set(key: string, text: string): void {
    if (this.#lines.get(key) === text) return;
    this.#lines.set(key, text);
    if (!this.#live) {
      this.#out.write(`${text}\n`);
      return;
    }
    let frame = this.#drawn > 0 ? `\x1b[${this.#drawn}A` : "";
    for (const line of this.#lines.values()) frame += `\r\x1b[K${line}\n`;
    this.#drawn = this.#lines.size;
    this.#out.write(frame);
  }
}
