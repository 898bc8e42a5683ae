import { describe, expect, it } from 'vitest';
import type { MetricsJson } from '../../src-main/core/metrics';
import {
  combinationKey,
  displayUnit,
  escapeHtml,
  formatFixed,
  formatInt,
  formatMeanStd,
  formatPercent,
  formatSig,
  histogram,
  meanStd,
  summarizeCombinations,
  summarizeFractions,
  taskLabel,
  validateRunReport,
  type ReportMetrics,
} from '../../src-main/core/report';
import { buildRunReport } from '../fixtures/report/fixtures';

describe('formatting', () => {
  it('formats measured numbers, counts and percentages locale-independently', () => {
    expect(formatSig(0.041234)).toBe('0.0412');
    expect(formatSig(0.3)).toBe('0.300');
    expect(formatSig(12.345)).toBe('12.3');
    expect(formatSig(-1.7654)).toBe('-1.77');
    expect(formatSig(12345.6)).toBe('12,346');
    expect(formatSig(0.00001234)).toBe('1.23×10⁻⁵');
    expect(formatSig(null)).toBe('—');
    expect(formatSig(NaN)).toBe('—');
    expect(formatFixed(0.98765)).toBe('0.988');
    expect(formatFixed(-0.0001)).toBe('0.000');
    expect(formatInt(25963)).toBe('25,963');
    expect(formatInt(999)).toBe('999');
    expect(formatPercent(12.34)).toBe('+12.3 %');
    expect(formatPercent(-4)).toBe('-4.0 %');
    expect(formatMeanStd(0.04123, 0.00234, 'eV/atom')).toBe('0.0412 ± 0.0023 eV/atom');
    expect(formatMeanStd(0.39, NaN, 'eV')).toBe('0.390 eV');
    expect(displayUnit('Å^3')).toBe('Å³');
  });

  it('escapes HTML', () => {
    expect(escapeHtml('<img src=x onerror=alert(1)>')).toBe('&lt;img src=x onerror=alert(1)&gt;');
    expect(escapeHtml(`a"b'c&d\`e`)).toBe('a&quot;b&#39;c&amp;d&#96;e');
    expect(escapeHtml(undefined)).toBe('');
  });

  it('names tasks', () => {
    expect(taskLabel('formation_energy_per_atom_eV')).toBe('Formation energy');
    expect(taskLabel('band_gap_eV')).toBe('Band gap');
    expect(taskLabel('efermi_eV')).toBe('Fermi energy');
    expect(taskLabel('my_custom_thing_GPa')).toBe('My custom thing');
    expect(taskLabel('x', 'Explicit')).toBe('Explicit');
  });
});

describe('report model computations', () => {
  it('accepts the metrics JSON of the metrics module as is', () => {
    const fromEvaluate: MetricsJson = buildRunReport(1, 50).report.metrics as MetricsJson;
    const asReport: ReportMetrics = fromEvaluate; // compile-time: the two contracts agree
    expect(Object.keys(asReport.tasks)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV']);
    expect(asReport.tasks.band_gap_eV.threshold).toBe(0.025);
  });

  it('meanStd uses the sample standard deviation and ignores missing values', () => {
    const m = meanStd([1, 2, 3, null, NaN]);
    expect(m.n).toBe(3);
    expect(m.mean).toBe(2);
    expect(m.std).toBeCloseTo(1, 12);
    expect(meanStd([4]).std).toBeNaN();
    expect(meanStd([]).mean).toBeNaN();
  });

  it('summarises task combinations with improvement over single-task models', () => {
    const tasks = [
      { name: 'a', unit: 'eV/atom' },
      { name: 'b', unit: 'eV' },
    ];
    const rows = summarizeCombinations(tasks, [
      { combination: ['b', 'a'], repeat: 0, mae: { a: 0.09, b: 0.3 } },
      { combination: ['a', 'b'], repeat: 1, mae: { a: 0.07, b: 0.3 } },
      { combination: ['a'], repeat: 0, mae: { a: 0.1 } },
      { combination: ['b'], repeat: 0, mae: { b: 0.4 } },
    ]);
    expect(rows.map((r) => r.key)).toEqual(['a', 'b', 'a + b']);
    const ab = rows[2];
    expect(ab.repeats).toBe(2);
    expect(ab.perTask.a.mean).toBeCloseTo(0.08, 12);
    expect(ab.perTask.a.std).toBeCloseTo(Math.SQRT2 * 0.01, 12);
    expect(ab.averageMae).toBeCloseTo(0.19, 12);
    expect(ab.baselineAverageMae).toBeCloseTo(0.25, 12);
    // mean of the relative improvements: (20 % + 25 %) / 2
    expect(ab.improvementPct).toBeCloseTo(22.5, 10);
    expect(rows[0].improvementPct).toBeNaN();
    expect(combinationKey(['b', 'a', 'a'], ['a', 'b'])).toBe('a + b');
  });

  it('summarises learning curves per series and fraction', () => {
    const tasks = [{ name: 'g', unit: 'eV' }];
    const s = summarizeFractions(tasks, [
      { label: 'MT', trainingFraction: 1, repeat: 0, mae: { g: 0.3 }, rocAuc: { g: 0.95 } },
      { label: 'MT', trainingFraction: 0.1, repeat: 0, mae: { g: 0.6 }, trainSize: 100 },
      { label: 'MT', trainingFraction: 0.1, repeat: 1, mae: { g: 0.8 }, trainSize: 100 },
      { label: 'ST', trainingFraction: 1, repeat: 0, mae: { g: 0.35 } },
    ]);
    expect(s.map((x) => x.label)).toEqual(['MT', 'ST']);
    expect(s[0].points.map((p) => p.trainingFraction)).toEqual([0.1, 1]);
    expect(s[0].points[0].mae.g.mean).toBeCloseTo(0.7, 12);
    expect(s[0].points[0].trainSize).toBe(100);
    expect(s[0].points[1].rocAuc.g.mean).toBe(0.95);
    expect(s[0].points[0].rocAuc.g).toBeUndefined();
  });

  it('histogram counts everything, clamping values outside a given range', () => {
    const h = histogram([0, 0.5, 1, 2, NaN, -7], 2, [0, 1]);
    expect(h.edges).toEqual([0, 0.5, 1]);
    expect(h.counts).toEqual([2, 3]);
    expect(histogram([2, 2, 2], 3).counts.reduce((a, b) => a + b, 0)).toBe(3);
    expect(() => histogram([1], 0)).toThrow(RangeError);
  });

  it('validateRunReport names the inconsistency', () => {
    const { report } = buildRunReport(2, 40);
    expect(() => validateRunReport(report)).not.toThrow();
    const bad = { ...report, metrics: { ...report.metrics, tasks: { ...report.metrics.tasks, volume_A3: report.metrics.tasks.band_gap_eV } } };
    expect(() => validateRunReport(bad)).toThrow(/volume_A3/);
  });
});
