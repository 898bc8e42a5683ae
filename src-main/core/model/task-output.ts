/**
 * From a network output to a prediction in the task's terms, the one place this mapping lives:
 *   regression      y = z * std + mean (original units); a non-negative property (band gap) is clamped at 0;
 *   classification  p = sigmoid(z), the probability of the positive class (the head outputs a logit; its
 *                   normaliser is the identity).
 *
 * Why a clamp at inference and not a softplus in training: about half of the band gaps in Materials Project data
 * are exactly 0 (metals). A softplus output can only reach 0 as its input goes to -infinity, so training through it
 * pushes the metals' pre-activations without bound and bends the loss near 0; the clamp leaves training unchanged
 * (old bundles and checkpoints stay valid), and because every true value is >= 0, |max(0, y) - t| <= |y - t|: it
 * can only lower the error of every crystal. Ensemble members are clamped before their mean and spread are taken.
 */
import { type ModelTaskSpec, resolveTask } from './config';
import type { TargetNormalizerJson } from '../metrics/normalizer';

/** The mapping of one task (network output z -> prediction). */
export function taskOutput(task: ModelTaskSpec, norm: TargetNormalizerJson): (z: number) => number {
  const r = resolveTask(task);
  if (r.kind === 'classification') return (z) => 1 / (1 + Math.exp(-z));
  const { mean, std } = norm;
  if (r.nonNegative) return (z) => Math.max(0, z * std + mean);
  return (z) => z * std + mean;
}

/** Identity normaliser of classification tasks (0/1 labels are learned as they are). */
export const IDENTITY_NORMALIZER: TargetNormalizerJson = Object.freeze({ mean: 0, std: 1 });
