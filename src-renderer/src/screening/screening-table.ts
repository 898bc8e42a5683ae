/**
 * The screening results table as plain functions of the ScreeningTable the main process sends: which rows pass the
 * filters, in which order, and which columns show them. No Vue: ScreeningView keeps the state, these compute from it
 * (unit tests: test/renderer/screening-table.test.ts). Rows are indices into the table's columns.
 */
import type { ScreeningTable } from '@contract';
import type { VirtualColumn } from '../components/common/VirtualTable.vue';
import { formatValue } from '../format';

export interface ScreeningFilter {
  /** Case-insensitive substring of the id or the formula ('' = any). */
  query: string;
  hideFailed: boolean;
  hideOutOfDomain: boolean;
  /** Property (task index) the value range applies to. */
  rangeTask: number;
  /** Bounds as typed, in the property's unit ('' = open). */
  rangeMin: string;
  rangeMax: string;
}

export type SortDir = 'asc' | 'desc';

/** Sort by a column key: 'id', 'formula', 'atoms', 'v:<task>' (value), 's:<task>' (ensemble std); null = file order. */
export interface ScreeningSort {
  key: string | null;
  dir: SortDir;
}

export const NO_FILTER: Readonly<ScreeningFilter> = Object.freeze({
  query: '', hideFailed: false, hideOutOfDomain: false, rangeTask: 0, rangeMin: '', rangeMax: '',
});

/** Row indices that pass `filter`, ordered by `sort` (missing values last in both directions; stable). */
export function visibleRows(t: ScreeningTable, filter: ScreeningFilter, sort: ScreeningSort): number[] {
  const q = filter.query.trim().toLowerCase();
  const lo = filter.rangeMin.trim() === '' ? -Infinity : Number(filter.rangeMin);
  const hi = filter.rangeMax.trim() === '' ? Infinity : Number(filter.rangeMax);
  const rangeCol = t.values[filter.rangeTask];
  const out: number[] = [];
  for (let i = 0; i < t.ids.length; i++) {
    if (filter.hideFailed && t.errors[i]) continue;
    if (filter.hideOutOfDomain && t.outOfDomain[i]) continue;
    if (q && !t.ids[i]!.toLowerCase().includes(q) && !t.formulas[i]!.toLowerCase().includes(q)) continue;
    if (rangeCol && (Number.isFinite(lo) || Number.isFinite(hi))) {
      const v = rangeCol[i];
      if (v === null || v === undefined || v < lo || v > hi) continue;
    }
    out.push(i);
  }
  const cmp = sort.key ? comparator(t, sort.key, sort.dir === 'asc' ? 1 : -1) : null;
  if (cmp) out.sort(cmp);
  return out;
}

function comparator(t: ScreeningTable, key: string, dir: 1 | -1): ((a: number, b: number) => number) | null {
  const collator = new Intl.Collator('en', { numeric: true });
  const numeric = (col: readonly (number | null)[]) => (a: number, b: number): number => {
    const x = col[a];
    const y = col[b];
    if (x === null || x === undefined) return y === null || y === undefined ? 0 : 1;
    if (y === null || y === undefined) return -1;
    return dir * (x - y);
  };
  if (key === 'id') return (a, b) => dir * collator.compare(t.ids[a]!, t.ids[b]!);
  if (key === 'formula') return (a, b) => dir * collator.compare(t.formulas[a]!, t.formulas[b]!);
  if (key === 'atoms') return numeric(t.atoms);
  if (key.startsWith('v:') && t.values[Number(key.slice(2))]) return numeric(t.values[Number(key.slice(2))]!);
  if (key.startsWith('s:') && t.std?.[Number(key.slice(2))]) return numeric(t.std[Number(key.slice(2))]!);
  return null;
}

/** Clicking a column header: the same column flips the direction, another one sorts ascending by it. */
export function nextSort(current: ScreeningSort, key: string): ScreeningSort {
  return current.key === key ? { key, dir: current.dir === 'asc' ? 'desc' : 'asc' } : { key, dir: 'asc' };
}

/** Status text of a row: the read error, 'out of domain' or 'ok'. */
export function rowStatus(t: ScreeningTable, i: number): string {
  return t.errors[i] ? `unreadable: ${t.errors[i]}` : t.outOfDomain[i] ? 'out of domain' : 'ok';
}

/** Id, formula, atoms, each property (with ± when the model is an ensemble), metal class when predicted, status. */
export function screeningColumns(t: ScreeningTable): VirtualColumn<number>[] {
  const cols: VirtualColumn<number>[] = [
    { key: 'id', label: 'Id', width: 'minmax(84px, 1fr)', mono: true, sortable: true, text: (i) => t.ids[i]! },
    { key: 'formula', label: 'Formula', width: 'minmax(84px, 1.1fr)', sortable: true, text: (i) => t.formulas[i] || '—' },
    { key: 'atoms', label: 'Atoms', unit: 'per cell', width: '64px', align: 'right', sortable: true, text: (i) => (t.atoms[i] === null ? '—' : String(t.atoms[i])) },
  ];
  t.tasks.forEach((task, k) => {
    cols.push({ key: `v:${k}`, label: task.name, unit: task.unit || 'no unit', width: 'minmax(92px, 1fr)', align: 'right', sortable: true, text: (i) => formatValue(t.values[k]![i]), tone: (i) => (t.values[k]![i] === null ? 'muted' : undefined) });
    if (t.std) cols.push({ key: `s:${k}`, label: `± ${task.name}`, unit: task.unit || 'no unit', width: '70px', align: 'right', sortable: true, text: (i) => formatValue(t.std![k]![i]) });
  });
  if (t.metal) cols.push({ key: 'metal', label: 'Class', width: '80px', text: (i) => t.metal![i] ?? '—' });
  cols.push({
    key: 'status',
    label: 'Status',
    width: 'minmax(100px, 1.2fr)',
    text: (i) => rowStatus(t, i),
    title: (i) => (t.errors[i] ? `unreadable: ${t.errors[i]}` : t.outOfDomain[i] ? 'Outside the training data: an element or a cell size the model never saw' : undefined),
    tone: (i) => (t.errors[i] ? 'warn' : t.outOfDomain[i] ? 'warn' : 'ok'),
  });
  return cols;
}

/**
 * Fixed-width tracks (px) above this make the table take the whole width, with the structure below it. The minimum
 * widths above keep four properties with ± (the default model: three regressions and the metal probability) in view
 * at the smallest window.
 */
export const WIDE_TABLE_PX = 660;

/** True when the columns' fixed widths add up to more than WIDE_TABLE_PX (several properties with ±). */
export function isWideTable(cols: readonly Pick<VirtualColumn<number>, 'width'>[]): boolean {
  return cols.reduce((sum, c) => sum + Number(/(\d+)px/.exec(c.width)?.[1] ?? 0), 0) > WIDE_TABLE_PX;
}

/** One row's predictions as the structure pane lists them: each property's value with unit, and ± std for an ensemble. */
export function rowProperties(t: ScreeningTable, i: number): { name: string; value: string }[] {
  return t.tasks.map((task, k) => ({
    name: task.name,
    value: formatValue(t.values[k]![i], task.unit) + (t.std ? ` ± ${formatValue(t.std[k]![i], task.unit)}` : ''),
  }));
}

/** Whether a row's crystal is like the training data, in words. */
export function domainWords(t: ScreeningTable, i: number): string {
  return t.outOfDomain[i] ? 'outside the training data (use with care)' : 'like the training data';
}
