/**
 * The demo's results table: the rows of the screening CSV (core screen layout: id, file, formula, n_atoms,
 * "<task> (<unit>)", "<task>_std (<unit>)", metal, out_of_domain, error) joined with the demo index by file name,
 * in the index's order, with the reasons for every out-of-domain flag (the CSV only says true / false).
 */
import path from 'node:path';
import type { ScreeningTask } from '../../core/screen/model';
import type { DemoResultRow, DemoStructure } from '../../../src-shared/contract';

export interface ScreeningCsv {
  header: readonly string[];
  rows: readonly (readonly string[])[];
}

export class DemoResultsError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoResultsError';
  }
}

function columnName(name: string, unit: string): string {
  return unit.trim() === '' ? name : `${name} (${unit})`;
}

function num(s: string | undefined): number | null {
  if (s === undefined || s.trim() === '') return null;
  const v = Number(s);
  return Number.isFinite(v) ? v : null;
}

/**
 * One row per demo structure, in `structures` order. A structure without a CSV row (the folder changed after the
 * screening) gets an error row. `domainReasons(file)` explains a flagged crystal; when it finds no reason for a
 * flag the CSV set, the row keeps the flag with a generic reason.
 */
export function demoResultRows(
  csv: ScreeningCsv,
  structures: readonly DemoStructure[],
  tasks: readonly ScreeningTask[],
  domainReasons: (file: string) => string[],
): DemoResultRow[] {
  const col = (name: string) => csv.header.indexOf(name);
  const [iFile, iFormula, iAtoms, iMetal, iOod, iError] = ['file', 'formula', 'n_atoms', 'metal', 'out_of_domain', 'error'].map(col) as [number, number, number, number, number, number];
  const valueCols = tasks.map((t) => col(columnName(t.name, t.unit)));
  const stdCols = tasks.map((t) => col(columnName(`${t.name}_std`, t.unit)));
  const missing = [iFile < 0 ? 'file' : '', iOod < 0 ? 'out_of_domain' : '', iError < 0 ? 'error' : '', ...valueCols.map((c, k) => (c < 0 ? columnName(tasks[k]!.name, tasks[k]!.unit) : ''))].filter(Boolean);
  if (missing.length) throw new DemoResultsError(`the demo results have no column ${missing.map((m) => `"${m}"`).join(', ')} (columns: ${csv.header.join(', ')})`);

  const byFile = new Map<string, readonly string[]>();
  for (const r of csv.rows) byFile.set(r[iFile] ?? '', r);
  return structures.map((s) => {
    const r = byFile.get(path.basename(s.file));
    const base = { id: s.id, name: s.name, formula: s.formula, prototype: s.prototype, file: s.file };
    if (!r) {
      return { ...base, atoms: s.atoms, values: tasks.map(() => null), std: tasks.map(() => null), metal: null, outOfDomain: false, domainReasons: [], error: 'not in the demo results: screen the demo again' };
    }
    const error = r[iError] ?? '';
    const outOfDomain = error === '' && r[iOod] === 'true';
    const metal = iMetal >= 0 && (r[iMetal] === 'metal' || r[iMetal] === 'non-metal') ? (r[iMetal] as 'metal' | 'non-metal') : null;
    let reasons: string[] = [];
    if (outOfDomain) {
      reasons = domainReasons(s.file);
      if (reasons.length === 0) reasons = ['outside the training domain'];
    }
    return {
      ...base,
      formula: (iFormula >= 0 && r[iFormula]) || s.formula,
      atoms: iAtoms >= 0 ? num(r[iAtoms]) : null,
      values: valueCols.map((c) => (error ? null : num(r[c]))),
      std: stdCols.map((c) => (error || c < 0 ? null : num(r[c]))),
      metal: error ? null : metal,
      outOfDomain,
      domainReasons: reasons,
      error,
    };
  });
}

