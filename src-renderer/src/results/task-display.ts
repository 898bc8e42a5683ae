/**
 * How the Results view shows a task of a finished run: its human name, and for a task read as a binary classifier (a
 * band gap cut on its predicted gap, or a classifier head's probability) the classes, the cut and the texts of its
 * ROC curve and confusion matrix. Plain TypeScript (tested in test/renderer).
 */
import type { RunResults, TaskMetrics } from '@contract';
import { taskLabel as displayName } from '../../../src-shared/text-format';
import { isMetalClassifier } from '../../../src-shared/task-kind';

export type ResultTask = RunResults['tasks'][number];
export type ResultRoc = RunResults['roc'][string];

/** A classifier head: predicts a probability; read by ROC AUC, accuracy and F1, never by an MAE. */
export function isClassifier(t: ResultTask): boolean {
  return t.kind === 'classification';
}

/** "Band gap (eV)", "Metal / non-metal (probability)", "Target 1" (no unit). */
export function resultTaskTitle(t: ResultTask): string {
  const name = displayName(t.name, t.displayName);
  const unit = isClassifier(t) ? 'probability' : t.unit;
  return unit ? `${name} (${unit})` : name;
}

function twoDigits(x: number): string {
  return String(Number(x.toPrecision(2)));
}

/** The decision cut as read: "p > 0.38" on a probability, "0.31 eV" on a predicted gap. */
export function cutText(classifier: boolean, decision: number): string {
  return classifier ? `p > ${twoDigits(decision)}` : `${twoDigits(decision)} eV`;
}

/** What a classifier head's metrics say at its threshold: "accuracy 0.875 · F1 0.872 at p > 0.38". */
export function classifierSummary(m: TaskMetrics | undefined): string {
  if (!m) return '—';
  const f = (x: number | null | undefined) => (typeof x === 'number' && Number.isFinite(x) ? x.toFixed(3) : '—');
  const at = m.decisionThreshold !== undefined ? ` at ${cutText(true, m.decisionThreshold)}` : '';
  return `accuracy ${f(m.accuracy)} · F1 ${f(m.f1)}${at}`;
}

export interface BinaryPanel {
  readonly title: string;
  readonly subtitle: string;
  /** Class names as read in the confusion matrix; the positive class is the one TP counts. */
  readonly positive: string;
  readonly negative: string;
  /** The cut the confusion counts are at ("p > 0.38", "0.31 eV"). */
  readonly cut: string;
}

/** The texts of the ROC curve and confusion matrix of one task read as a binary classifier. */
export function binaryPanel(t: ResultTask, roc: ResultRoc): BinaryPanel {
  const name = displayName(t.name, t.displayName);
  const auc = roc.auc === null ? 'n/a (one class only)' : roc.auc.toFixed(3);
  const decision = roc.decisionThreshold ?? roc.thresholdEv;
  if (isClassifier(t)) {
    const metal = isMetalClassifier(t.name, t.kind);
    const positive = metal ? 'metal' : 'class 1';
    const cut = cutText(true, decision);
    return {
      title: `${name}: classifier head`,
      subtitle: `AUC ${auc} · positive: ${positive}${metal ? ` (DFT gap < ${roc.thresholdEv} eV)` : ''} · predicted ${positive} when ${cut}`,
      positive,
      negative: metal ? 'non-metal' : 'class 0',
      cut,
    };
  }
  const cut = cutText(false, decision);
  return {
    title: `Metal / non-metal from ${name.toLowerCase()}`,
    subtitle: `AUC ${auc} · non-metal = DFT gap > ${roc.thresholdEv} eV${decision !== roc.thresholdEv ? ` · predicted non-metal when the predicted gap > ${cut}` : ''}`,
    positive: 'non-metal',
    negative: 'metal',
    cut,
  };
}
