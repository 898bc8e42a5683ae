/**
 * The paper's tables from experiment results, as CSV (raw numbers, for scripts) and Markdown (formatted with
 * units, for people):
 *   1. average test MAE per task combination, with the single-task average and the improvement over it;
 *   2. test MAE per property, mean ± sample standard deviation over repeats;
 *   3. test MAE against the training fraction (reduced-data study);
 *   4. Spearman ρ and metal / non-metal ROC AUC against the training fraction.
 * The statistics are those of the HTML report (summarizeCombinations / summarizeFractions).
 */
import { summarizeCombinations, summarizeFractions, type MeanStd, type ReportTask } from '../report/report-model';
import { displayUnit, formatFixed, formatMeanStd, formatPercent, formatSig, withUnit } from '../../../src-shared/text-format';
import { csvLine } from '../screen/csv-writer';
import { isBandGapTask } from '../../../src-shared/task-kind';
import { fractionText, FULL_TRAIN_FRACTION } from './plan';
import type { ExperimentResults } from './results';

export interface Cell {
  /** CSV value: a plain number (6 significant digits) or text; '' when undefined. */
  readonly raw: string;
  /** Markdown value: formatted, with unit. */
  readonly text: string;
}

export interface ExperimentTable {
  /** File stem: table1_average_mae, ... */
  readonly name: string;
  readonly title: string;
  readonly csvHeader: readonly string[];
  readonly mdHeader: readonly string[];
  /** Cells per row; a mean ± std pair is two CSV columns but one Markdown column (see `span`). */
  readonly rows: readonly (readonly Cell[])[];
  /** Per CSV column: how many CSV columns the Markdown column starting here covers (0 = covered by the previous). */
  readonly span: readonly number[];
  readonly note: string;
}

function num(x: number | null | undefined): string {
  return typeof x === 'number' && Number.isFinite(x) ? String(Number(x.toPrecision(6))) : '';
}

function text(s: string): Cell {
  return { raw: s, text: s };
}

/** Two CSV cells (mean, std) rendered as one Markdown cell "mean ± std unit". */
function meanStdCells(ms: MeanStd | undefined, unit: string, fixed = false): [Cell, Cell] {
  if (!ms || ms.n === 0) return [{ raw: '', text: '' }, { raw: '', text: '' }];
  const t = fixed
    ? Number.isFinite(ms.std)
      ? `${formatFixed(ms.mean)} ± ${formatFixed(ms.std)}`
      : formatFixed(ms.mean)
    : formatMeanStd(ms.mean, ms.std, unit);
  return [{ raw: num(ms.mean), text: t }, { raw: num(ms.std), text: '' }];
}

function reportTasks(r: ExperimentResults): ReportTask[] {
  return r.settings.tasks.map((t) => ({ name: t.name, unit: t.unit }));
}

function unitSuffix(unit: string): string {
  const u = displayUnit(unit);
  return u ? ` (${u})` : '';
}

function labelOf(r: ExperimentResults, tasks: readonly string[]): string {
  const key = tasks.join(' + ');
  return r.combinations.find((c) => c.tasks.join(' + ') === key)?.label ?? '';
}

export function experimentTables(r: ExperimentResults): ExperimentTable[] {
  const tasks = reportTasks(r);
  const unitOf = new Map(tasks.map((t) => [t.name, t.unit]));
  const combos = summarizeCombinations(tasks, r.combinationRuns);
  const tables: ExperimentTable[] = [];

  // Table 1.
  {
    const rows = combos.map((c) => {
      const units = [...new Set(c.tasks.map((t) => unitOf.get(t) ?? ''))];
      const unit = units.length === 1 ? units[0] : '';
      const single = c.tasks.length === 1;
      return [
        text(labelOf(r, c.tasks)),
        text(c.tasks.join(' + ')),
        text(String(c.repeats)),
        { raw: num(c.averageMae), text: withUnit(formatSig(c.averageMae), unit) },
        { raw: single ? '' : num(c.baselineAverageMae), text: single ? '' : withUnit(formatSig(c.baselineAverageMae), unit) },
        { raw: single ? '' : num(c.improvementPct), text: single ? '' : formatPercent(c.improvementPct) },
      ];
    });
    tables.push({
      name: 'table1_average_mae',
      title: 'Table 1. Average test MAE per task combination',
      csvHeader: ['combination', 'tasks', 'repeats', 'average_mae', 'single_task_average_mae', 'improvement_pct'],
      mdHeader: ['Model', 'Tasks trained together', 'Repeats', 'Average MAE', 'Single-task average', 'Improvement'],
      rows,
      span: [1, 1, 1, 1, 1, 1],
      note:
        'Average MAE: mean over the combination\'s properties of the test MAE (each the mean over repeats); with properties in different units it is a ranking aid only. ' +
        'Single-task average: the same average for the single-task CGCNN models (S rows). Improvement: mean over the properties of (single-task MAE - multi-task MAE) / single-task MAE, in percent (positive = training together helps).',
    });
  }

  // Table 2.
  {
    const rows = combos.map((c) => [
      text(labelOf(r, c.tasks)),
      text(c.tasks.join(' + ')),
      text(String(c.repeats)),
      ...tasks.flatMap((t) => meanStdCells(c.perTask[t.name], t.unit)),
    ]);
    tables.push({
      name: 'table2_mae_per_property',
      title: 'Table 2. Test MAE per property, mean ± standard deviation over repeats',
      csvHeader: ['combination', 'tasks', 'repeats', ...tasks.flatMap((t) => [`${t.name}_mae_mean`, `${t.name}_mae_std`])],
      mdHeader: ['Model', 'Tasks trained together', 'Repeats', ...tasks.map((t) => `${t.name} MAE${unitSuffix(t.unit)}`)],
      rows,
      span: [1, 1, 1, ...tasks.flatMap(() => [2, 0])],
      note: 'Sample standard deviation (n - 1) over repeats with different random 60/20/20 splits; empty: the property is not part of the combination.',
    });
  }

  // Tables 3 and 4.
  const runs = r.fractionRuns.map((f) => ({
    label: f.label,
    trainingFraction: f.trainFraction,
    trainSize: f.trainSize,
    repeat: f.repeat,
    mae: f.mae,
    spearman: f.spearman,
    rocAuc: f.rocAuc,
  }));
  const series = summarizeFractions(tasks, runs);
  const points = series.flatMap((s) => s.points.map((p) => ({ label: s.label, p })));
  const lead = (label: string, f: number, size: number | undefined, repeats: number): Cell[] => [
    text(label),
    text(fractionText(f)),
    { raw: size === undefined ? '' : String(Math.round(size)), text: size === undefined ? '' : String(Math.round(size)) },
    text(String(repeats)),
  ];
  tables.push({
    name: 'table3_mae_vs_fraction',
    title: 'Table 3. Test MAE against the training fraction of all crystals',
    csvHeader: ['model', 'train_fraction', 'train_crystals', 'repeats', ...tasks.flatMap((t) => [`${t.name}_mae_mean`, `${t.name}_mae_std`])],
    mdHeader: ['Model', 'Training fraction of all crystals', 'Training crystals', 'Repeats', ...tasks.map((t) => `${t.name} MAE${unitSuffix(t.unit)}`)],
    rows: points.map(({ label, p }) => [...lead(label, p.trainingFraction, p.trainSize, p.repeats), ...tasks.flatMap((t) => meanStdCells(p.mae[t.name], t.unit))]),
    span: [1, 1, 1, 1, ...tasks.flatMap(() => [2, 0])],
    note: `Training fraction: share of ALL crystals used for training as in \`mtcgcnn train --train-fraction\` (${fractionText(FULL_TRAIN_FRACTION)} = the full training part of the 60/20/20 split); validation and test parts are those of the same seed's split and do not change. Mean ± standard deviation over repeats. ${r.allTasksLabel} is the all-task MT-CGCNN model; the single-task row merges the separate CGCNN model of each property.`,
  });
  const aucTasks = tasks.filter((t) => isBandGapTask(t.name, t.unit));
  tables.push({
    name: 'table4_spearman_auc_vs_fraction',
    title: 'Table 4. Spearman ρ and metal / non-metal AUC against the training fraction of all crystals',
    csvHeader: [
      'model',
      'train_fraction',
      'train_crystals',
      'repeats',
      ...tasks.flatMap((t) => [`${t.name}_spearman_mean`, `${t.name}_spearman_std`]),
      ...aucTasks.flatMap((t) => [`${t.name}_auc_mean`, `${t.name}_auc_std`]),
    ],
    mdHeader: ['Model', 'Training fraction of all crystals', 'Training crystals', 'Repeats', ...tasks.map((t) => `${t.name} Spearman ρ`), ...aucTasks.map((t) => `Metal / non-metal AUC (${t.name})`)],
    rows: points.map(({ label, p }) => [
      ...lead(label, p.trainingFraction, p.trainSize, p.repeats),
      ...tasks.flatMap((t) => meanStdCells(p.spearman[t.name], '', true)),
      ...aucTasks.flatMap((t) => meanStdCells(p.rocAuc[t.name], '', true)),
    ]),
    span: [1, 1, 1, 1, ...tasks.flatMap(() => [2, 0]), ...aucTasks.flatMap(() => [2, 0])],
    note: 'Spearman ρ: rank correlation of predicted and DFT values on the test part (unitless). AUC: metal / non-metal classification from the predicted band gap, non-metal = gap > 0.025 eV (about kT at room temperature); 0.5 = chance, 1 = perfect.',
  });
  return tables;
}

export function tableCsv(t: ExperimentTable): string {
  return [csvLine([...t.csvHeader]), ...t.rows.map((row) => csvLine(row.map((c) => c.raw)))].join('');
}

function mdEscape(s: string): string {
  return s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

export function tableMarkdown(t: ExperimentTable): string {
  const textColumns = new Set(['Model', 'Tasks trained together']);
  const head = `| ${t.mdHeader.map(mdEscape).join(' | ')} |`;
  const rule = `|${t.mdHeader.map((h) => (textColumns.has(h) ? '---' : '---:')).join('|')}|`;
  const lines = t.rows.map((row) => {
    const cells: string[] = [];
    row.forEach((c, i) => {
      if (t.span[i] !== 0) cells.push(mdEscape(c.text));
    });
    return `| ${cells.join(' | ')} |`;
  });
  return [`### ${t.title}`, '', head, rule, ...lines, '', t.note, ''].join('\n');
}

/** All tables in one Markdown document. */
export function tablesMarkdown(r: ExperimentResults, tables: readonly ExperimentTable[]): string {
  const status = r.complete ? '' : `\n\n**Incomplete:** ${r.missingJobs.length} of ${r.totalJobs} jobs have not run yet; the tables show the finished ones.`;
  const head = `# Experiment on ${r.dataset.name}\n\n${r.settings.tasks.length} properties (${r.settings.tasks.map((t) => `${t.name}${unitSuffix(t.unit)}`).join(', ')}), ${r.dataset.crystals} crystals, ${r.settings.repeats} repeats, ${r.settings.train.epochs} epochs, preset ${r.settings.preset}; backend ${r.backends.join(', ') || 'n/a'}.${status}\n`;
  return [head, ...tables.map(tableMarkdown)].join('\n');
}
