/**
 * What screening needs from a trained model. Deliberately minimal so the app can adapt its real
 * predictor (src-main/core/model) to it, and tests can supply a tiny deterministic stand-in.
 */
import type { CrystalGraph, GraphSettings } from '../graph/crystal-graph';
import type { WorkerModelSpec } from '../model/worker-predictor';

export interface ScreeningTask {
  /** Property name as in the training CSV, e.g. "band_gap". */
  readonly name: string;
  /** Unit of the predictions (original units), e.g. "eV"; "" when dimensionless; "probability" for a classification. */
  readonly unit: string;
  /** 'classification': the value is the probability of label 1 (default 'regression'). */
  readonly kind?: 'regression' | 'classification';
}

/** The training set's coverage: a crystal outside it is flagged out_of_domain (still predicted). */
export interface ScreeningDomain {
  /** Elements seen in training, as symbols ("Fe") or atomic numbers. Empty: no element check. */
  readonly elements: readonly (string | number)[];
  /** Smallest and largest atom count per cell seen in training (inclusive). */
  readonly minAtoms: number;
  readonly maxAtoms: number;
}

export interface ScreeningPrediction {
  /** Per task, one value per graph (original units). */
  readonly mean: readonly ArrayLike<number>[];
  /** Per task, one ensemble standard deviation per graph (original units), when the model is an ensemble. */
  readonly std?: readonly ArrayLike<number>[];
}

export interface ScreeningModel {
  readonly tasks: readonly ScreeningTask[];
  /** Members of the ensemble; > 1 adds a "<task>_std" column per task. */
  readonly ensembleSize: number;
  readonly domain: ScreeningDomain;
  /** Graph construction the model was trained with. */
  readonly graphSettings: GraphSettings;
  /**
   * Name of the band-gap task used for the metal column. Undefined: detected from the task names
   * (a name containing "band gap"/"band_gap"/"bandgap", or exactly "gap"/"Eg"); null: no metal column.
   */
  readonly bandGapTask?: string | null;
  /**
   * Decision thresholds chosen on the validation split, by task name (model.json): a metal / non-metal classifier's
   * on its probability (metal when above), a band gap's on the predicted gap (metal when below). Defaults 0.5 and
   * 0.025 eV.
   */
  readonly decisionThresholds?: Readonly<Record<string, number>>;
  /** Predicts a batch of graphs (any size up to the batch size screening uses). */
  predict(graphs: readonly CrystalGraph[]): Promise<ScreeningPrediction>;
  /**
   * How worker threads load this same model to predict there (bit-identical to `predict`); absent: screening
   * predicts on the calling thread with `predict` (while the workers featurize).
   */
  readonly workerModel?: WorkerModelSpec;
}
