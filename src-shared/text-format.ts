/**
 * Text helpers shared by the report renderers and the app's renderer: HTML escaping and locale-independent number
 * formatting (reports must read the same on every machine, so no toLocaleString).
 */
import { taskDefaults } from './task-kind';

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
  '`': '&#96;',
};

/** Escapes a user string for HTML text and (quoted) attribute values. Non-strings are stringified. */
export function escapeHtml(value: unknown): string {
  const s = value === null || value === undefined ? '' : String(value);
  // Control characters other than tab/newline have no business in a report.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[&<>"'`]/g, (c) => HTML_ESCAPES[c]).replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '\ufffd');
}

/** The text shown for a value that is missing or undefined (NaN, null). */
export const MISSING = '—';

function isNum(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x);
}

/** Inserts thousands separators (",") into the integer part of a plain decimal string. */
function groupThousands(s: string): string {
  const neg = s.startsWith('-');
  const body = neg ? s.slice(1) : s;
  const [int, frac] = body.split('.');
  const grouped = int.length > 3 ? int.replace(/\B(?=(\d{3})+(?!\d))/g, ',') : int;
  return (neg ? '-' : '') + grouped + (frac !== undefined ? `.${frac}` : '');
}

/** Integer with thousands separators ("12,345"); MISSING for null/NaN. */
export function formatInt(x: number | null | undefined): string {
  if (!isNum(x)) return MISSING;
  return groupThousands(Math.round(x).toFixed(0));
}

/**
 * A measured quantity with `sig` significant digits (default 3), never in exponent form between
 * 1e-4 and 1e6: 0.0412, 0.312, 1.23, 12.3, 1,234. MISSING for null/NaN/Infinity.
 */
export function formatSig(x: number | null | undefined, sig = 3): string {
  if (!isNum(x)) return MISSING;
  if (x === 0) return '0';
  const ax = Math.abs(x);
  if (ax < 1e-4 || ax >= 1e6) {
    const [m, e] = x.toExponential(sig - 1).split('e');
    return `${m}×10${superscript(String(Number(e)))}`;
  }
  const digits = Math.floor(Math.log10(ax));
  const decimals = Math.max(0, sig - 1 - digits);
  let s = x.toFixed(decimals);
  if (s === '-0' || /^-0\.0*$/.test(s)) s = s.slice(1);
  return groupThousands(s);
}

/** A configuration value as typed (8 -> "8", 0.58 -> "0.58"), at most 6 significant digits. */
export function formatPlain(x: number | null | undefined): string {
  if (!isNum(x)) return MISSING;
  return groupThousands(String(Number(x.toPrecision(6))));
}

/** A number with a fixed number of decimals (R², Spearman, AUC: 3). */
export function formatFixed(x: number | null | undefined, decimals = 3): string {
  if (!isNum(x)) return MISSING;
  let s = x.toFixed(decimals);
  if (/^-0\.?0*$/.test(s)) s = s.slice(1);
  return groupThousands(s);
}

/** Signed percentage with one decimal: "+12.3 %", "-4.0 %". */
export function formatPercent(x: number | null | undefined, decimals = 1, signed = true): string {
  if (!isNum(x)) return MISSING;
  const s = x.toFixed(decimals);
  const plus = signed && x > 0 && Number(s) !== 0 ? '+' : '';
  return `${plus}${s === `-${(0).toFixed(decimals)}` ? s.slice(1) : s} %`;
}

const SUPERSCRIPTS: Record<string, string> = {
  '0': '⁰', '1': '¹', '2': '²', '3': '³', '4': '⁴', '5': '⁵', '6': '⁶', '7': '⁷', '8': '⁸', '9': '⁹', '-': '⁻', '+': '⁺',
};

function superscript(s: string): string {
  return [...s].map((c) => SUPERSCRIPTS[c] ?? c).join('');
}

/** Unit for display: "Å^3" -> "Å³", "cm^-1" -> "cm⁻¹". The empty unit stays empty. */
export function displayUnit(unit: string | null | undefined): string {
  if (!unit) return '';
  return unit.trim().replace(/\^([+-]?\d+)/g, (_m, p: string) => superscript(p));
}

/** "0.0412 eV/atom" (plain text, not escaped); just the number when the unit is empty. */
export function withUnit(formatted: string, unit: string | null | undefined): string {
  const u = displayUnit(unit);
  return formatted === MISSING || !u ? formatted : `${formatted} ${u}`;
}

/** "0.0412 ± 0.0020 eV/atom": the std gets the same number of decimals as the mean. */
export function formatMeanStd(mean: number | null | undefined, std: number | null | undefined, unit?: string, sig = 3): string {
  const m = formatSig(mean, sig);
  if (m === MISSING) return MISSING;
  if (!isNum(std)) return withUnit(m, unit);
  const decimals = m.includes('.') ? m.split('.')[1].length : 0;
  const s = m.includes('×') ? formatSig(std, 2) : groupThousands(std.toFixed(decimals));
  return withUnit(`${m} ± ${s}`, unit);
}

/** A share in percent for prose and cards: "0.78 %", "4.9 %", "99.2 %", "100 %". */
export function formatShare(percent: number | null | undefined): string {
  if (!isNum(percent)) return MISSING;
  if (percent === 0 || percent === 100) return `${percent} %`;
  return `${Math.abs(percent) < 1 ? formatSig(percent, 2) : formatFixed(percent, 1)} %`;
}

/** Seconds as "2 h 05 min", "12 min 03 s" or "41.2 s". */
export function formatDuration(seconds: number | null | undefined): string {
  if (!isNum(seconds) || seconds < 0) return MISSING;
  if (seconds < 60) return `${formatSig(seconds, 3)} s`;
  const total = Math.round(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(s).padStart(2, '0')} s`;
}

/** ISO date-time as "2026-11-03 14:12 UTC" (always UTC so the report is the same everywhere). */
export function formatDateTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())} ${p(d.getUTCHours())}:${p(d.getUTCMinutes())} UTC`;
}

/** ISO date as "2026-11-03". */
export function formatDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return d.toISOString().slice(0, 10);
}

/**
 * A readable name for a task column: the known Materials Project properties get their usual
 * names ("formation_energy_per_atom_eV" -> "Formation energy"); anything else is de-snake-cased
 * (the one list of known properties is src-shared/task-kind.ts).
 */
export function taskLabel(column: string, explicit?: string): string {
  if (explicit && explicit.trim()) return explicit.trim();
  return taskDefaults(column).displayName;
}
