// A progress bar on a terminal (stderr), silent otherwise or with --json.
export class Progress {
  private last = 0;
  constructor(
    private readonly label: string,
    private readonly total: number | undefined,
    private readonly enabled = Boolean(process.stderr.isTTY),
  ) {}

  update(done: number, detail: string): void {
    if (!this.enabled) return;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const share = this.total ? Math.min(1, done / this.total) : undefined;
    const bar =
      share === undefined
        ? ''
        : `[${'#'.repeat(Math.round(share * 30)).padEnd(30, '-')}] ${(share * 100).toFixed(0).padStart(3)}% `;
    process.stderr.write(`\r${this.label} ${bar}${detail}\x1b[K`);
  }

  done(): void {
    if (this.enabled) process.stderr.write('\r\x1b[K');
  }
}
