/**
 * Architecture of an (MT-)CGCNN model. Serialised into model.json; everything needed to rebuild the network.
 *
 * Network (per tower; one tower unless sharing = 'soft'):
 *   embedding   Linear(atomFeatureDim -> convDim)            (element table projected first, then gathered)
 *   numConv x   CGCNN convolution (factored form, see layers.ts)
 *   pooling     mean over each crystal's atoms
 *   softplus
 *   sharedHidden x  Linear -> softplus                         (0 = the reference: nothing shared after pooling)
 *   per task:   headHidden x (Linear -> softplus), first F(or H)->H, rest H->H; then Linear(H -> 1)
 *
 * With the defaults this is the MT-CGCNN reference (hard parameter sharing, n_hp = 1): each task owns
 * Linear(64->128) -> softplus -> Linear(128->1) after the shared convolutional trunk; for one task it is
 * exactly CGCNN (softplus -> Linear(64->128) -> softplus -> Linear(128->1)).
 * The widths, depths and sharing defaults are the training settings' (src-shared/training-settings.ts, their one home).
 */
import { type SharingModeName, TRAIN_DEFAULTS } from '../../../src-shared/training-settings';

import { type TaskKind, taskDefaults } from '../../../src-shared/task-kind';

export type SharingMode = SharingModeName;

/** A 0/1 task made from a regression column: 1 where `column` < `below` (metal = band gap < 0.025 eV). */
export interface DerivedLabel {
  readonly column: string;
  /** Threshold in the column's unit; label 1 strictly below it. */
  readonly below: number;
}

/**
 * One task of a model. Only name and unit are required (bundles written before task metadata existed have
 * just these); resolveTask fills in the rest from the column name (task-kind.ts).
 */
export interface ModelTaskSpec {
  /** CSV column name. */
  readonly name: string;
  /** Unit string ('' when unknown; 'probability' for classification). */
  readonly unit: string;
  /** 'regression' (default) or 'classification' (binary; the head outputs a logit, predictions are probabilities). */
  readonly kind?: TaskKind;
  /** Human name shown in the app, reports and readable CSV headers ("Band gap"). */
  readonly displayName?: string;
  /** The property cannot be negative: predictions are clamped at 0 (regression only). */
  readonly nonNegative?: boolean;
  /** Classification tasks derived from a regression column by a threshold (written in the model card). */
  readonly derivedFrom?: DerivedLabel;
}

/** The "unit" of a classification task's predictions (so CSV headers read "is_metal (probability)"). */
export const PROBABILITY_UNIT = 'probability';

export type ResolvedTaskSpec = Required<Omit<ModelTaskSpec, 'derivedFrom'>> & Pick<ModelTaskSpec, 'derivedFrom'>;

/** The task with its defaults filled in (known columns: display name, kind, non-negative; others: a readable name). */
export function resolveTask(t: ModelTaskSpec): ResolvedTaskSpec {
  const d = taskDefaults(t.name, t.unit);
  const kind = t.kind ?? d.kind;
  return {
    name: t.name,
    unit: kind === 'classification' ? PROBABILITY_UNIT : t.unit,
    kind,
    displayName: t.displayName ?? d.displayName,
    nonNegative: kind === 'regression' ? t.nonNegative ?? d.nonNegative : false,
    ...(t.derivedFrom ? { derivedFrom: t.derivedFrom } : {}),
  };
}

/** The display name with the unit, for headers people read: "Band gap (eV)", "Metal / non-metal (probability)". */
export function taskLabel(t: ModelTaskSpec): string {
  const r = resolveTask(t);
  return r.unit.trim() === '' ? r.displayName : `${r.displayName} (${r.unit})`;
}

export interface ModelConfig {
  /** Length of the element feature vectors (CGCNN atom_init: 92). */
  readonly atomFeatureDim: number;
  /** Length of the Gaussian bond feature vectors (CGCNN: 41). */
  readonly bondFeatureDim: number;
  /** Atom feature length in the convolutions F (CGCNN: 64). */
  readonly convDim: number;
  /** Number of convolution layers (CGCNN: 3). */
  readonly numConv: number;
  /** Hidden width after pooling H (CGCNN: 128). */
  readonly hiddenDim: number;
  /** Hidden layers shared by all tasks after pooling (reference: 0). */
  readonly sharedHidden: number;
  /** Hidden layers in each task head (MT-CGCNN n_hp; reference default 1). */
  readonly headHidden: number;
  /** 'hard': one trunk, per-task heads. 'soft': one full tower per task, L2 penalty between towers. */
  readonly sharing: SharingMode;
  /** Soft sharing: strength of the L2 penalty on differences between corresponding tower parameters. */
  readonly softSharingStrength: number;
  readonly tasks: readonly ModelTaskSpec[];
  /** Batch-norm epsilon (PyTorch default 1e-5). */
  readonly bnEpsilon: number;
  /** Batch-norm running-stat momentum (PyTorch convention: new = (1-m) old + m batch; default 0.1). */
  readonly bnMomentum: number;
}

export const DEFAULT_MODEL_CONFIG: Omit<ModelConfig, 'tasks'> = Object.freeze({
  atomFeatureDim: 92,
  bondFeatureDim: 41,
  convDim: TRAIN_DEFAULTS.convDim,
  numConv: TRAIN_DEFAULTS.numConv,
  hiddenDim: TRAIN_DEFAULTS.hiddenDim,
  sharedHidden: 0,
  headHidden: TRAIN_DEFAULTS.headHidden,
  sharing: TRAIN_DEFAULTS.sharing,
  softSharingStrength: TRAIN_DEFAULTS.softSharingStrength,
  bnEpsilon: 1e-5,
  bnMomentum: 0.1,
});

export function makeModelConfig(partial: Partial<ModelConfig> & { tasks: readonly ModelTaskSpec[] }): ModelConfig {
  const c: ModelConfig = { ...DEFAULT_MODEL_CONFIG, ...partial };
  validateModelConfig(c);
  return c;
}

export function validateModelConfig(c: ModelConfig): void {
  const posInt = (k: keyof ModelConfig, min = 1): void => {
    const v = c[k] as unknown;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min) {
      throw new RangeError(`model config: ${String(k)} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  posInt('atomFeatureDim');
  posInt('bondFeatureDim');
  posInt('convDim');
  posInt('numConv', 0);
  posInt('hiddenDim');
  posInt('sharedHidden', 0);
  posInt('headHidden', 0);
  if (c.sharing !== 'hard' && c.sharing !== 'soft') throw new RangeError(`model config: sharing ${String(c.sharing)}`);
  if (!(c.softSharingStrength >= 0)) throw new RangeError('model config: softSharingStrength must be >= 0');
  if (!Array.isArray(c.tasks) || c.tasks.length === 0) throw new RangeError('model config: at least one task');
  const names = new Set<string>();
  for (const t of c.tasks) {
    if (typeof t.name !== 'string' || t.name.length === 0) throw new RangeError('model config: task without a name');
    if (names.has(t.name)) throw new RangeError(`model config: duplicate task ${t.name}`);
    if (t.kind !== undefined && t.kind !== 'regression' && t.kind !== 'classification') {
      throw new RangeError(`model config: task ${t.name} has unknown kind ${String(t.kind)}`);
    }
    names.add(t.name);
  }
  if (!(c.bnEpsilon > 0)) throw new RangeError('model config: bnEpsilon must be > 0');
  if (!(c.bnMomentum > 0 && c.bnMomentum <= 1)) throw new RangeError('model config: bnMomentum in (0, 1]');
}

/** Number of towers (1 for hard sharing, one per task for soft sharing). */
export function towerCount(c: ModelConfig): number {
  return c.sharing === 'soft' ? c.tasks.length : 1;
}
