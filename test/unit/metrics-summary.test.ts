import { describe, expect, it } from 'vitest';
import { averageMae, evaluatePredictions } from '../../src-main/core/metrics';
import { formatMetricsTable } from '../../src-main/cli/metrics-table';

describe('averageMae', () => {
  it('averages finite MAEs and skips missing ones', () => {
    expect(averageMae([{ mae: 1 }, { mae: 3 }])).toBe(2);
    expect(averageMae({ a: { mae: 1 }, b: { mae: null }, c: { mae: NaN }, d: { mae: 2 } })).toBe(1.5);
    expect(averageMae([])).toBeNaN();
  });
});

describe('evaluatePredictions', () => {
  const tasks = [
    { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
    { name: 'band_gap_eV', unit: 'eV' },
    { name: 'volume_A3', unit: 'Å^3' },
  ];
  const yTrue = [
    new Float64Array([-1, -2, 0.5, NaN]),
    new Float64Array([0, 1.5, 0.02, 3]),
    new Float64Array([NaN, NaN, NaN, NaN]),
  ];
  const yPred = [
    new Float64Array([-1.1, -1.8, 0.5, 9]),
    new Float64Array([0.1, 1.0, 0.0, 2.5]),
    new Float64Array([1, 2, 3, 4]),
  ];

  it('produces the documented JSON shape and values', () => {
    const m = evaluatePredictions(tasks, yTrue, yPred);
    expect(Object.keys(m)).toEqual(['tasks', 'average_mae']);
    expect(Object.keys(m.tasks)).toEqual(tasks.map((t) => t.name));

    const fe = m.tasks['formation_energy_per_atom_eV'];
    expect(Object.keys(fe)).toEqual(['n', 'mae', 'rmse', 'r2', 'spearman', 'unit']);
    expect(fe.n).toBe(3);
    expect(fe.mae).toBeCloseTo(0.1, 14); // |0.1| + |0.2| + 0 over 3
    expect(fe.rmse).toBeCloseTo(Math.sqrt(0.05 / 3), 14);
    expect(fe.unit).toBe('eV/atom');

    const bg = m.tasks['band_gap_eV'];
    expect(Object.keys(bg)).toEqual(['n', 'mae', 'rmse', 'r2', 'spearman', 'unit', 'roc_auc', 'threshold', 'decision_threshold', 'accuracy', 'f1', 'confusion']);
    expect(bg.n).toBe(4);
    expect(bg.mae).toBeCloseTo((0.1 + 0.5 + 0.02 + 0.5) / 4, 14);
    expect(bg.threshold).toBe(0.025);
    // true: metal, non-metal, metal, non-metal; predicted: non-metal, non-metal, metal, non-metal
    expect(bg.confusion).toEqual({ tp: 2, fp: 1, tn: 1, fn: 0 });
    // positives 1.0, 2.5 vs negatives 0.1, 0.0 -> perfect ranking
    expect(bg.roc_auc).toBe(1);

    const vol = m.tasks['volume_A3'];
    expect(vol).toEqual({ n: 0, mae: null, rmse: null, r2: null, spearman: null, unit: 'Å^3' });

    expect(m.average_mae).toBeCloseTo((0.1 + 1.12 / 4) / 2, 14);
    expect(JSON.parse(JSON.stringify(m))).toEqual(m);
  });

  it('uses the threshold option', () => {
    const m = evaluatePredictions(tasks.slice(1, 2), yTrue.slice(1, 2), yPred.slice(1, 2), { thresholdEv: 1.2 });
    expect(m.tasks['band_gap_eV'].threshold).toBe(1.2);
    // true: F T F T ; predicted (>1.2): F F F T
    expect(m.tasks['band_gap_eV'].confusion).toEqual({ tp: 1, fp: 0, tn: 2, fn: 1 });
  });

  it('rejects mismatched inputs and duplicate names', () => {
    expect(() => evaluatePredictions(tasks, yTrue.slice(0, 2), yPred)).toThrow(RangeError);
    expect(() => evaluatePredictions([tasks[0], tasks[0]], yTrue.slice(0, 2), yPred.slice(0, 2))).toThrow(RangeError);
  });
});

describe('formatMetricsTable (the table people read in the terminal)', () => {
  it('names each property for people next to its column, with units on the errors', () => {
    const tasks = [
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      { name: 'band_gap_eV', unit: 'eV' },
    ];
    const m = evaluatePredictions(tasks, [new Float64Array([-1, -2]), new Float64Array([0, 1.5])], [new Float64Array([-1.1, -1.8]), new Float64Array([0.1, 1.0])]);
    const lines = formatMetricsTable(m, 'test split').split('\n');
    expect(lines[0]).toBe('test split:');
    expect(lines[1]).toMatch(/^property +task +n +MAE/);
    expect(lines[2]).toMatch(/^Formation energy +formation_energy_per_atom_eV +2 +0\.1500 eV\/atom/);
    expect(lines[3]).toMatch(/^Band gap +band_gap_eV +2 +0\.3000 eV/);
    expect(lines.at(-1)).toBe(`average MAE over tasks: ${((0.15 + 0.3) / 2).toFixed(4)}`);
  });
});
