import { describe, expect, it } from 'vitest';
import { binaryPanel, classifierSummary, isClassifier, resultTaskTitle } from '../../src-renderer/src/results/task-display';

const head = { name: 'is_metal', unit: 'probability', kind: 'classification' as const, displayName: 'Metal / non-metal' };
const gap = { name: 'band_gap_eV', unit: 'eV', displayName: 'Band gap' };

describe('results view: tasks for people', () => {
  it('names tasks by their display name, a classifier as a probability', () => {
    expect(resultTaskTitle(head)).toBe('Metal / non-metal (probability)');
    expect(resultTaskTitle(gap)).toBe('Band gap (eV)');
    // Older runs: no display name or kind, the known column still reads as a person would say it.
    expect(resultTaskTitle({ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' })).toBe('Formation energy (eV/atom)');
    expect(isClassifier(head)).toBe(true);
    expect(isClassifier(gap)).toBe(false);
  });

  it('reads a classifier head by accuracy and F1 at its threshold, never an MAE', () => {
    const m = { kind: 'classification' as const, n: 20, mae: null, rmse: null, r2: null, spearman: null, rocAuc: 0.83, decisionThreshold: 0.383762, accuracy: 0.75, f1: 0.6667, confusion: { tp: 5, fp: 4, tn: 10, fn: 1 } };
    expect(classifierSummary(m)).toBe('accuracy 0.750 · F1 0.667 at p > 0.38');
    expect(classifierSummary(undefined)).toBe('—');
  });

  it('labels the classifier head with metal as its positive class and its probability cut', () => {
    const p = binaryPanel(head, { fpr: [0, 1], tpr: [0, 1], auc: 0.8333, thresholdEv: 0.025, decisionThreshold: 0.383762 });
    expect(p).toEqual({
      title: 'Metal / non-metal: classifier head',
      subtitle: 'AUC 0.833 · positive: metal (DFT gap < 0.025 eV) · predicted metal when p > 0.38',
      positive: 'metal',
      negative: 'non-metal',
      cut: 'p > 0.38',
    });
  });

  it('labels a band gap with non-metal positive, at its chosen cut on the predicted gap or at 0.025 eV', () => {
    const chosen = binaryPanel(gap, { fpr: [0, 1], tpr: [0, 1], auc: 0.81, thresholdEv: 0.025, decisionThreshold: 2.5669 });
    expect(chosen.positive).toBe('non-metal');
    expect(chosen.negative).toBe('metal');
    expect(chosen.cut).toBe('2.6 eV');
    expect(chosen.title).toBe('Metal / non-metal from band gap');
    expect(chosen.subtitle).toBe('AUC 0.810 · non-metal = DFT gap > 0.025 eV · predicted non-metal when the predicted gap > 2.6 eV');
    const old = binaryPanel({ name: 'band_gap', unit: 'eV' }, { fpr: [0, 1], tpr: [0, 1], auc: null, thresholdEv: 0.025 });
    expect(old.cut).toBe('0.025 eV');
    expect(old.subtitle).toBe('AUC n/a (one class only) · non-metal = DFT gap > 0.025 eV');
  });
});
