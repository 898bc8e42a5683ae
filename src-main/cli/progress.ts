/** Progress line with rate and ETA for long CLI work (stderr; rewritten in place on a terminal). */
export class ProgressReporter {
  private readonly start = performance.now();
  private lastPrint = 0;

  constructor(
    private readonly label: string,
    private readonly total: number,
    private readonly unit: string,
    private readonly write: (line: string) => void,
    private readonly intervalMs = 1000,
  ) {}

  get elapsedSeconds(): number {
    return (performance.now() - this.start) / 1000;
  }

  rate(done: number): number {
    const s = this.elapsedSeconds;
    return s > 0 ? done / s : 0;
  }

  update(done: number, force = false): void {
    const now = performance.now();
    if (!force && now - this.lastPrint < this.intervalMs) return;
    this.lastPrint = now;
    const rate = this.rate(done);
    const pct = this.total > 0 ? ((100 * done) / this.total).toFixed(1) : '?';
    const eta = rate > 0 && this.total > 0 ? formatSeconds((this.total - done) / rate) : '?';
    this.write(`${this.label}: ${done}/${this.total} ${this.unit} (${pct}%), ${rate.toFixed(0)} ${this.unit}/s, elapsed ${formatSeconds(this.elapsedSeconds)}, ETA ${eta}`);
  }
}

export function formatSeconds(s: number): string {
  if (!Number.isFinite(s)) return '?';
  if (s < 60) return `${s.toFixed(1)} s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m} min ${Math.round(s - m * 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}
