/** The model catalogue: shipped and user model bundles with their cards. */
import { call, CONTROL_CHARS, IpcArgumentError, noArgs, oneOf, onlyKeys, record, str } from './guards';



/** Where a catalogue model is installed: shipped with the app (resources/models) or the user's own models. */
export type CatalogueModelSource = 'shipped' | 'user';

export interface CatalogueModelTask {
  name: string;
  /** Readable name, e.g. "Band gap". */
  label: string;
  unit: string;
  /** Mean absolute error on the model's held-back test split, in `unit`; null when not recorded. */
  testMae: number | null;
  /** Test crystals behind testMae. */
  testCount: number | null;
  /** A classification head (e.g. metal / non-metal): predicts a probability; scored by ROC AUC and accuracy, no MAE. */
  classifier?: { testRocAuc: number | null; testAccuracy: number | null };
}

/** One installed model bundle and its card (read from model.json and card.json; the weights are never read). */
export interface CatalogueModel {
  /** Folder name; what `mtcgcnn screen --model NAME` and `screen:start` accept. */
  name: string;
  source: CatalogueModelSource;
  /** Absolute bundle folder (shown to the user; the renderer never reads it). */
  dir: string;
  /** The shipped default model (used when no model is chosen). */
  isDefault: boolean;
  /** Why the folder cannot be used (unreadable model.json); the other fields are empty then. */
  error: string | null;
  /** 'CGCNN' (one property) or 'MT-CGCNN' (several). */
  kind: 'CGCNN' | 'MT-CGCNN';
  description: string | null;
  tasks: CatalogueModelTask[];
  /** Ensemble members (K); ± values are their standard deviation when K > 1. */
  ensembleSize: number;
  /** Bytes of every file in the folder. */
  sizeBytes: number;
  dataset: {
    name: string | null;
    /** Longer description (shipped models), e.g. "mp-cgcnn-25k (25,710 Materials Project crystals, GGA/GGA+U)". */
    description: string | null;
    crystals: number | null;
    license: string | null;
    citations: string[];
  };
  /** When training finished (ISO 8601), if recorded. */
  trainedIso: string | null;
  /** Compute backend it was trained on. */
  backend: string | null;
  epochs: number | null;
  /** How it was made (shipped models). */
  recipe: string | null;
}

export interface ModelCatalogueInfo {
  /** Shipped models first (the default at the top), then the user's models. */
  models: CatalogueModel[];
  /** Name of the shipped default model, or null when none is installed. */
  defaultName: string | null;
  /** <resources>/models, or null when it cannot be found. */
  shippedDir: string | null;
  /** Folders searched for the user's models, in order. */
  userDirs: string[];
  /** Problems that did not stop the listing (e.g. the default named by default.json is missing). */
  warnings: string[];
}

/** A model of the catalogue, named by where it is installed and its folder name. */
export interface CatalogueModelRef {
  source: CatalogueModelSource;
  name: string;
}

/** A catalogue model's folder name: no path separators, no control characters, not '.' or '..' or hidden. */
export function modelName(v: unknown, what: string): string {
  const s = str(v, what, { maxLength: 255 });
  if (CONTROL_CHARS.test(s) || /[/\\]/.test(s)) throw new IpcArgumentError(`${what} must be a model name (a folder name), not a path`);
  if (s.trim() !== s || s.startsWith('.')) throw new IpcArgumentError(`${what} must not start with '.' or a space`);
  return s;
}

export function catalogueModelRef(v: unknown, what: string): CatalogueModelRef {
  const o = record(v, what);
  onlyKeys(o, ['source', 'name'], what);
  return { source: oneOf(o.source, ['shipped', 'user'] as const, `${what}.source`), name: modelName(o.name, `${what}.name`) };
}

export const modelChannels = {
  /** The model catalogue: shipped and user model bundles with their cards (tasks, test MAE, K, size, data, licence). */
  'models:list': call<void, ModelCatalogueInfo>(noArgs),
} as const;
