import type { MetricsJson } from '../core/metrics/summary';
import { taskDefaults } from '../../src-shared/task-kind';

const f = (x: number | null | undefined, digits = 4): string => (x === null || x === undefined || Number.isNaN(x) ? 'n/a' : x.toFixed(digits));

/**
 * The per-task metrics as an aligned text table for people: the property's human name next to its column name, units
 * on every error; metal/non-metal AUC, accuracy and F1 (at the decision threshold) for band gaps and classification
 * tasks. Scripts read the metrics JSON (--out), not this table.
 */
export function formatMetricsTable(m: MetricsJson, title: string): string {
  const rows: string[][] = [['property', 'task', 'n', 'MAE', 'RMSE', 'R²', 'Spearman', 'metal/non-metal AUC', 'accuracy', 'F1']];
  for (const [name, t] of Object.entries(m.tasks)) {
    const u = t.unit ? ` ${t.unit}` : '';
    const cls = (x: number | null | undefined): string => (x !== undefined ? f(x, 3) : '');
    const property = taskDefaults(name, t.unit).displayName;
    if (t.kind === 'classification') rows.push([property, name, String(t.n), '', '', '', '', cls(t.roc_auc), cls(t.accuracy), cls(t.f1)]);
    else rows.push([property, name, String(t.n), f(t.mae) + u, f(t.rmse) + u, f(t.r2, 3), f(t.spearman, 3), cls(t.roc_auc), cls(t.accuracy), cls(t.f1)]);
  }
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => r[c].length)));
  const line = (r: string[]): string => r.map((cell, c) => (c <= 1 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ').trimEnd();
  return [`${title}:`, line(rows[0]), ...rows.slice(1).map(line), `average MAE over tasks: ${f(m.average_mae)}`].join('\n');
}
