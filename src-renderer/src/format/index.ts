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

/** Local date and time to the minute, e.g. "2026-11-21 16:41". */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso || '–';
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A measured value with its unit and a sensible number of digits ("-0.575 eV/atom", "3.85 eV", "—" when missing). */
export function formatValue(v: number | null | undefined, unit = '', digits = 3): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  const abs = Math.abs(v);
  let text: string;
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e5)) text = v.toExponential(2);
  else text = Number(v.toPrecision(digits + (abs >= 1 ? Math.floor(Math.log10(abs)) : 0))).toString();
  return unit ? `${text} ${unit}` : text;
}

/** Fixed decimals with a unit ("5.640 Å"). */
export function formatFixed(v: number | null | undefined, decimals: number, unit = ''): string {
  if (v === null || v === undefined || !Number.isFinite(v)) return '—';
  return unit ? `${v.toFixed(decimals)} ${unit}` : v.toFixed(decimals);
}

/** Task name with its unit in parentheses ("band_gap (eV)"). */
export function taskLabel(task: { name: string; unit: string }): string {
  return task.unit ? `${task.name} (${task.unit})` : task.name;
}

export function plural(n: number, word: string, many = `${word}s`): string {
  return `${formatInt(n)} ${n === 1 ? word : many}`;
}

/** Bytes in SI units, as `mtcgcnn models` prints them ("1.9 MB"): the core's own formatter (a Node-free module). */
export { formatBytes } from '../../../src-main/core/catalogue/format-bytes';
