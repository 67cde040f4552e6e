// A one-line progress bar on stderr, drawn only on a terminal and at most a few times a second.

/** Draws progress; `update` is cheap to call often. */
export class ProgressBar {
  readonly #total: number;
  readonly #enabled: boolean;
  readonly #started = Date.now();
  #lastDraw = 0;

  constructor(totalBytes: number, enabled = Boolean(process.stderr.isTTY)) {
    this.#total = totalBytes;
    this.#enabled = enabled;
  }

  /** Redraws if enabled and 200 ms have passed. */
  update(bytes: number, records: number): void {
    if (!this.#enabled) return;
    const now = Date.now();
    if (now - this.#lastDraw < 200) return;
    this.#lastDraw = now;
    const frac = this.#total > 0 ? Math.min(1, bytes / this.#total) : 1;
    const width = 30;
    const filled = Math.round(frac * width);
    const rate = Math.round(records / Math.max(0.001, (now - this.#started) / 1000));
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(1)}% ${records} records ${rate}/s`);
  }

  /** Ends the line. */
  finish(): void {
    if (this.#enabled) process.stderr.write('\n');
  }
}
