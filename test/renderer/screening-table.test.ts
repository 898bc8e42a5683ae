import { describe, expect, it } from 'vitest';
import type { ScreeningTable } from '@contract';
import { NO_FILTER, domainWords, isWideTable, nextSort, rowProperties, rowStatus, screeningColumns, visibleRows } from '../../src-renderer/src/screening/screening-table';

// Five screened files: one unreadable, one out of the training domain; a 3-member ensemble with a band-gap task.
const table: ScreeningTable = {
  screeningId: 's1',
  tasks: [{ name: 'formation_energy_per_atom', unit: 'eV/atom' }, { name: 'band_gap', unit: 'eV' }],
  ids: ['mp-10', 'mp-2', 'mp-1', 'bad', 'mp-30'],
  files: ['/d/mp-10.cif', '/d/mp-2.cif', '/d/mp-1.cif', '/d/bad.cif', '/d/mp-30.cif'],
  formulas: ['NaCl', 'Si', 'Fe', '', 'ScN'],
  atoms: [8, 2, 1, null, 8],
  values: [[-2.1, 0.0, 0.05, null, -1.9], [4.8, 0.6, 0, null, 0.9]],
  std: [[0.02, 0.01, 0.03, null, 0.2], [0.3, 0.1, 0.05, null, 0.4]],
  metal: ['non-metal', 'non-metal', 'metal', null, 'non-metal'],
  outOfDomain: [false, false, false, false, true],
  errors: ['', '', '', 'no atoms in bad.cif', ''],
};

const ids = (rows: number[]): string[] => rows.map((i) => table.ids[i]!);

describe('screening table', () => {
  it('without filter or sort shows every row in file order', () => {
    expect(ids(visibleRows(table, NO_FILTER, { key: null, dir: 'asc' }))).toEqual(['mp-10', 'mp-2', 'mp-1', 'bad', 'mp-30']);
  });

  it('filters failed and out-of-domain rows, by id or formula text, and by a value range of one property', () => {
    const none = { key: null, dir: 'asc' as const };
    expect(ids(visibleRows(table, { ...NO_FILTER, hideFailed: true }, none))).toEqual(['mp-10', 'mp-2', 'mp-1', 'mp-30']);
    expect(ids(visibleRows(table, { ...NO_FILTER, hideFailed: true, hideOutOfDomain: true }, none))).toEqual(['mp-10', 'mp-2', 'mp-1']);
    expect(ids(visibleRows(table, { ...NO_FILTER, query: ' nacl ' }, none))).toEqual(['mp-10']);
    expect(ids(visibleRows(table, { ...NO_FILTER, query: 'MP-1' }, none))).toEqual(['mp-10', 'mp-1']);
    // Band gap between 0.5 and 1 eV; the unreadable row (no value) never passes a range.
    expect(ids(visibleRows(table, { ...NO_FILTER, rangeTask: 1, rangeMin: '0.5', rangeMax: '1' }, none))).toEqual(['mp-2', 'mp-30']);
    expect(ids(visibleRows(table, { ...NO_FILTER, rangeTask: 0, rangeMax: '-2' }, none))).toEqual(['mp-10']);
  });

  it('sorts ids naturally and values numerically, missing values last in both directions', () => {
    expect(ids(visibleRows(table, NO_FILTER, { key: 'id', dir: 'asc' }))).toEqual(['bad', 'mp-1', 'mp-2', 'mp-10', 'mp-30']);
    expect(ids(visibleRows(table, NO_FILTER, { key: 'v:0', dir: 'asc' }))).toEqual(['mp-10', 'mp-30', 'mp-2', 'mp-1', 'bad']);
    expect(ids(visibleRows(table, NO_FILTER, { key: 'v:0', dir: 'desc' }))).toEqual(['mp-1', 'mp-2', 'mp-30', 'mp-10', 'bad']);
    expect(ids(visibleRows(table, NO_FILTER, { key: 's:1', dir: 'desc' }))).toEqual(['mp-30', 'mp-10', 'mp-2', 'mp-1', 'bad']);
    expect(ids(visibleRows(table, NO_FILTER, { key: 'atoms', dir: 'asc' }))).toEqual(['mp-1', 'mp-2', 'mp-10', 'mp-30', 'bad']);
    // A column that cannot be sorted keeps the file order.
    expect(ids(visibleRows(table, NO_FILTER, { key: 'status', dir: 'asc' }))).toEqual(['mp-10', 'mp-2', 'mp-1', 'bad', 'mp-30']);
  });

  it('a header click sorts ascending, a second click on the same column descending', () => {
    expect(nextSort({ key: null, dir: 'asc' }, 'v:1')).toEqual({ key: 'v:1', dir: 'asc' });
    expect(nextSort({ key: 'v:1', dir: 'asc' }, 'v:1')).toEqual({ key: 'v:1', dir: 'desc' });
    expect(nextSort({ key: 'v:1', dir: 'desc' }, 'id')).toEqual({ key: 'id', dir: 'asc' });
  });

  it('columns: id, formula, atoms, each property with its ± and unit, the metal class and the status', () => {
    const cols = screeningColumns(table);
    expect(cols.map((c) => c.key)).toEqual(['id', 'formula', 'atoms', 'v:0', 's:0', 'v:1', 's:1', 'metal', 'status']);
    expect(cols.find((c) => c.key === 'v:1')).toMatchObject({ label: 'band_gap', unit: 'eV', sortable: true });
    expect(cols.find((c) => c.key === 's:0')).toMatchObject({ label: '± formation_energy_per_atom', unit: 'eV/atom' });
    const status = cols.find((c) => c.key === 'status')!;
    expect([0, 3, 4].map((i) => status.text(i))).toEqual(['ok', 'unreadable: no atoms in bad.cif', 'out of domain']);
    expect(status.tone!(4)).toBe('warn');
    expect(cols.find((c) => c.key === 'formula')!.text(3)).toBe('—');
    expect(cols.find((c) => c.key === 'v:0')!.tone!(3)).toBe('muted');
    expect(rowStatus(table, 1)).toBe('ok');
    // A single model without a band gap: no ± and no class column.
    const single = screeningColumns({ ...table, tasks: [table.tasks[0]!], values: [table.values[0]!], std: null, metal: null });
    expect(single.map((c) => c.key)).toEqual(['id', 'formula', 'atoms', 'v:0', 'status']);
  });

  it('a table with several properties and their ± is wide (the structure goes below it)', () => {
    expect(isWideTable(screeningColumns(table))).toBe(true);
    expect(isWideTable(screeningColumns({ ...table, tasks: [table.tasks[0]!], values: [table.values[0]!], std: null, metal: null }))).toBe(false);
  });

  it("lists a row's predictions with units and ±, and whether the crystal is like the training data", () => {
    expect(rowProperties(table, 0)).toEqual([
      { name: 'formation_energy_per_atom', value: '-2.1 eV/atom ± 0.02 eV/atom' },
      { name: 'band_gap', value: '4.8 eV ± 0.3 eV' },
    ]);
    expect(rowProperties(table, 3).map((p) => p.value)).toEqual(['— ± —', '— ± —']);
    expect(rowProperties({ ...table, std: null }, 1).map((p) => p.value)).toEqual(['0 eV/atom', '0.6 eV']);
    expect(domainWords(table, 4)).toBe('outside the training data (use with care)');
    expect(domainWords(table, 0)).toBe('like the training data');
  });
});
