/** Small display formatters shared by views. */
import type { JobProgress } from '@contract';

export function formatInt(n: number): string {
  return n.toLocaleString('en-US');
}

export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return '–';
  const pct = (100 * part) / whole;
  return `${Number.isInteger(pct) ? pct : pct.toFixed(1)}%`;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '–';
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const m = Math.floor(seconds / 60);
  if (m < 60) return `${m} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

/** "featurize 30/100 CIF files (30%)" */
export function formatJob(job: JobProgress): string {
  const amount = job.total > 0 ? `${formatInt(job.done)}/${formatInt(job.total)} ${job.unit} (${formatPercent(job.done, job.total)})` : `${formatInt(job.done)} ${job.unit}`;
  return `${job.kind} ${amount}`;
}

/** Local date and time with seconds and milliseconds, e.g. "2026-11-21 16:41:07.123". */
export function formatLocalTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}.${p(d.getMilliseconds(), 3)}`;
}
