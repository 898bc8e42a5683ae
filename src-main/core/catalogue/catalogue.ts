/**
 * The model catalogue: every trained model bundle the app and the CLI can use without a path.
 *
 *   shipped   <resources>/models/<name>/model.json, the default named by <resources>/models/default.json
 *             ({"default": "<name>"}); <resources> is resourcesDir() (MTCGCNN_RESOURCES, or found upwards).
 *   user      <studio home>/models/<name>/model.json (userModelsDir() in core/studio-home.ts; MTCGCNN_HOME moves it), then every folder
 *             of MTCGCNN_MODELS_PATH (path.delimiter-separated): its sub-folders with a model.json, or the
 *             folder itself when it holds one.
 *
 * Listing reads only model.json (plus card.json when present) and file sizes, never the weights.
 * resolveModel() turns what a user typed after --model (a folder, a catalogue name, or nothing) into a
 * bundle folder.
 */
import fs from 'node:fs';
import path from 'node:path';
import { userModelsDir } from '../studio-home';
import { resourcesDir } from '../element-features/resources-path';
import { BUNDLE_FORMAT, type ModelJson } from '../model/bundle';

/** Environment variable with extra model folders (separated by path.delimiter: ':' or ';' on Windows). */
export const MODELS_PATH_ENV = 'MTCGCNN_MODELS_PATH';
/** File in the shipped models folder that names the default model. */
export const DEFAULT_MODEL_FILE = 'default.json';

export type ModelSource = 'shipped' | 'user';

export interface ModelCardTask {
  name: string;
  unit: string;
  /** Test-split metrics in the task's unit (null when the run had no labelled test crystals). */
  testMae: number | null;
  testRmse: number | null;
  testR2: number | null;
  testCount: number | null;
  /** A classification head (e.g. is_metal): a probability, scored by ROC AUC and accuracy instead of an MAE. */
  classifier?: { testRocAuc: number | null; testAccuracy: number | null };
}

/** What a user needs to pick a model: its tasks and accuracy, data, size and provenance. */
export interface ModelCard {
  description: string | null;
  tasks: ModelCardTask[];
  /** Mean of the per-task test MAEs (mixed units; as in the training card). */
  averageTestMae: number | null;
  dataset: {
    /** Short name recorded at training (e.g. the dataset folder name). */
    name: string | null;
    /** Longer description from card.json (shipped models), e.g. source and functional. */
    description: string | null;
    crystals: number | null;
    contentHash: string | null;
    license: string | null;
    citations: string[];
  };
  split: { train: number; val: number; test: number } | null;
  /** Number of ensemble members (K). */
  ensembleSize: number;
  /** Bytes of every file in the model folder. */
  sizeBytes: number;
  /** When training finished (ISO 8601), if recorded. */
  date: string | null;
  /** Compute backend it was trained on. */
  backend: { name: string; description: string } | null;
  architecture: { convDim: number; numConv: number; hiddenDim: number; sharing: string } | null;
  lossWeighting: string | null;
  epochs: number | null;
  /** How to reproduce it (shipped models' card.json). */
  recipe: string | null;
  formatVersion: number;
}

export interface CatalogueEntry {
  /** Folder name; what `--model NAME` accepts. */
  name: string;
  /** Absolute bundle folder. */
  dir: string;
  source: ModelSource;
  /** The shipped default (used when no model is given). */
  isDefault: boolean;
  /** null when model.json cannot be read; `error` says why. */
  card: ModelCard | null;
  error?: string;
}

export interface Catalogue {
  /** <resources>/models, or null when the resources folder cannot be found. */
  shippedDir: string | null;
  /** Name from default.json, or null. */
  defaultName: string | null;
  /** Folders searched for user models, in order (existing or not). */
  userDirs: string[];
  models: CatalogueEntry[];
  /** Problems that did not stop the listing (unreadable default.json, missing resources folder). */
  warnings: string[];
}

export interface CatalogueOptions {
  /** The resources folder (default: resourcesDir()). Shipped models are in its models/ folder. */
  resourcesDir?: string;
  /** The user's model folder (default: userModelsDir(env), i.e. $MTCGCNN_HOME/models). */
  userModelsDir?: string;
  /** Extra folders (default: from MTCGCNN_MODELS_PATH). */
  extraDirs?: readonly string[];
  /** Environment for MTCGCNN_HOME, MTCGCNN_MODELS_PATH and MTCGCNN_RESOURCES (default process.env). */
  env?: Record<string, string | undefined>;
}

export class ModelCatalogueError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelCatalogueError';
  }
}

// ---- locations -------------------------------------------------------------------------------------------

function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

function isBundleDir(p: string): boolean {
  return fs.existsSync(path.join(p, 'model.json'));
}

/** <resources>/models (throws with a reason when the resources folder cannot be found). */
export function shippedModelsDir(options: CatalogueOptions = {}): string {
  const res = options.resourcesDir ?? resourcesDir({ env: options.env ?? process.env });
  return path.join(path.resolve(res), 'models');
}

function extraDirsFromEnv(env: Record<string, string | undefined>): string[] {
  const raw = env[MODELS_PATH_ENV];
  if (!raw) return [];
  return raw
    .split(path.delimiter)
    .map((s) => s.trim())
    .filter((s) => s !== '')
    .map((s) => path.resolve(s));
}

/** Where user models are looked for, in order. */
export function userModelDirs(options: CatalogueOptions = {}): string[] {
  const env = options.env ?? process.env;
  const dirs = [path.resolve(options.userModelsDir ?? userModelsDir(env)), ...(options.extraDirs?.map((d) => path.resolve(d)) ?? extraDirsFromEnv(env))];
  return [...new Set(dirs)];
}

/** The default model name from <shipped>/default.json; undefined when the file is absent. Throws when it is malformed. */
export function readDefaultModelName(shippedDir: string): string | undefined {
  const file = path.join(shippedDir, DEFAULT_MODEL_FILE);
  if (!fs.existsSync(file)) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new ModelCatalogueError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  const name = (json as { default?: unknown } | null)?.default;
  if (typeof name !== 'string' || name.trim() === '' || name.includes('/') || name.includes('\\') || name.startsWith('.')) {
    throw new ModelCatalogueError(`${file} must be {"default": "<model folder name>"}`);
  }
  return name;
}

/** Sub-folders of `dir` that hold a model.json (sorted by name), or `dir` itself when it is a bundle. */
function bundleFolders(dir: string, allowSelf: boolean): string[] {
  if (!isDir(dir)) return [];
  if (allowSelf && isBundleDir(dir)) return [dir];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return [];
  }
  return names
    .filter((n) => !n.startsWith('.'))
    .sort((a, b) => a.localeCompare(b))
    .map((n) => path.join(dir, n))
    .filter((p) => isDir(p) && isBundleDir(p));
}

// ---- cards -----------------------------------------------------------------------------------------------

function folderBytes(dir: string): number {
  let total = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p);
    else if (e.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

interface ShippedCardJson {
  description?: string;
  recipe?: string;
  dataset?: { name?: string; license?: string; citations?: string[] };
}

function num(x: unknown): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

function str(x: unknown): string | null {
  return typeof x === 'string' && x !== '' ? x : null;
}

/** The card of a bundle folder (reads model.json and card.json, never the weights). Throws when model.json is unusable. */
export function readModelCard(dir: string): ModelCard {
  const file = path.join(dir, 'model.json');
  let json: ModelJson;
  try {
    json = JSON.parse(fs.readFileSync(file, 'utf8')) as ModelJson;
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new ModelCatalogueError(code === 'ENOENT' ? `${dir} is not a model bundle (no model.json)` : `${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (json === null || typeof json !== 'object' || json.format !== BUNDLE_FORMAT) {
    throw new ModelCatalogueError(`${file} is not a Crystal Property Studio model bundle`);
  }
  let extra: ShippedCardJson = {};
  const cardFile = path.join(dir, 'card.json');
  if (fs.existsSync(cardFile)) {
    try {
      extra = JSON.parse(fs.readFileSync(cardFile, 'utf8')) as ShippedCardJson;
    } catch {
      extra = {};
    }
  }
  const tc = json.trainingCard ?? null;
  const tm = tc?.testMetrics?.tasks ?? {};
  const tasks: ModelCardTask[] = (Array.isArray(json.tasks) ? json.tasks : []).map((t) => {
    const m = tm[t.name];
    return {
      name: t.name,
      unit: t.unit ?? '',
      testMae: num(m?.mae),
      testRmse: num(m?.rmse),
      testR2: num(m?.r2),
      testCount: num(m?.n),
      ...((t as { kind?: unknown }).kind === 'classification'
        ? { classifier: { testRocAuc: num((m as { roc_auc?: unknown } | undefined)?.roc_auc), testAccuracy: num((m as { accuracy?: unknown } | undefined)?.accuracy) } }
        : {}),
    };
  });
  const arch = json.architecture;
  const lw = json.lossWeighting as { kind?: unknown } | null | undefined;
  const epochsRun = tc?.epochs?.run;
  return {
    description: str(extra.description),
    tasks,
    averageTestMae: num(tc?.testMetrics?.average_mae),
    dataset: {
      name: str(tc?.dataset?.name) ?? str(extra.dataset?.name),
      description: str(extra.dataset?.name),
      crystals: num(tc?.dataset?.crystals),
      contentHash: str(tc?.dataset?.contentHash),
      license: str(extra.dataset?.license),
      citations: Array.isArray(extra.dataset?.citations) ? extra.dataset.citations.filter((c): c is string => typeof c === 'string') : [],
    },
    split: tc?.split ? { train: tc.split.train, val: tc.split.val, test: tc.split.test } : null,
    ensembleSize: Array.isArray(json.members) ? json.members.length : 0,
    sizeBytes: folderBytes(dir),
    date: str(tc?.date),
    backend: tc?.backend ? { name: tc.backend.name, description: tc.backend.description } : null,
    architecture: arch ? { convDim: arch.convDim, numConv: arch.numConv, hiddenDim: arch.hiddenDim, sharing: arch.sharing } : null,
    lossWeighting: lw && typeof lw.kind === 'string' ? lw.kind : null,
    epochs: Array.isArray(epochsRun) && epochsRun.length > 0 ? Math.max(...epochsRun) : null,
    recipe: str(extra.recipe),
    formatVersion: typeof json.formatVersion === 'number' ? json.formatVersion : 0,
  };
}

function entry(dir: string, source: ModelSource, isDefault: boolean): CatalogueEntry {
  const base = { name: path.basename(dir), dir, source, isDefault };
  try {
    return { ...base, card: readModelCard(dir) };
  } catch (e) {
    return { ...base, card: null, error: (e as Error).message.split('\n')[0] };
  }
}

// ---- listing and resolution --------------------------------------------------------------------------------

/** Every shipped and user model, shipped first (the default first among them), then user models by folder. */
export function listModels(options: CatalogueOptions = {}): Catalogue {
  const warnings: string[] = [];
  let shippedDir: string | null = null;
  try {
    shippedDir = shippedModelsDir(options);
  } catch (e) {
    warnings.push(`no shipped models: ${(e as Error).message}`);
  }
  let defaultName: string | null = null;
  const models: CatalogueEntry[] = [];
  if (shippedDir !== null) {
    try {
      defaultName = readDefaultModelName(shippedDir) ?? null;
    } catch (e) {
      warnings.push((e as Error).message);
    }
    const shipped = bundleFolders(shippedDir, false).map((d) => entry(d, 'shipped', path.basename(d) === defaultName));
    shipped.sort((a, b) => Number(b.isDefault) - Number(a.isDefault));
    models.push(...shipped);
    if (defaultName !== null && !shipped.some((m) => m.isDefault)) {
      warnings.push(`${path.join(shippedDir, DEFAULT_MODEL_FILE)} names "${defaultName}", which is not installed (no ${path.join(shippedDir, defaultName, 'model.json')})`);
    }
  }
  const userDirs = userModelDirs(options);
  const seen = new Set(models.map((m) => m.dir));
  userDirs.forEach((d, i) => {
    for (const b of bundleFolders(d, i > 0)) {
      if (seen.has(b)) continue;
      seen.add(b);
      models.push(entry(b, 'user', false));
    }
  });
  return { shippedDir, defaultName, userDirs, models, warnings };
}

export interface ResolvedModel {
  /** Absolute bundle folder. */
  dir: string;
  /** Catalogue name (folder name). */
  name: string;
  /** 'path' when the user gave a folder. */
  source: ModelSource | 'path';
  isDefault: boolean;
}

function looksLikePath(s: string): boolean {
  return s.includes('/') || s.includes('\\') || s.startsWith('.') || s.startsWith('~') || path.isAbsolute(s);
}

/** The shipped default model, or a ModelCatalogueError saying what is missing. */
export function resolveDefaultModel(options: CatalogueOptions = {}): ResolvedModel {
  let shippedDir: string;
  try {
    shippedDir = shippedModelsDir(options);
  } catch (e) {
    throw new ModelCatalogueError(`no shipped model found (${(e as Error).message}); pass --model DIR`);
  }
  const name = readDefaultModelName(shippedDir);
  if (name === undefined) {
    const found = bundleFolders(shippedDir, false).map((d) => path.basename(d));
    const hint = found.length > 0 ? ` (no ${DEFAULT_MODEL_FILE} names a default among ${found.join(', ')})` : '';
    throw new ModelCatalogueError(`no shipped model found in ${shippedDir}${hint}; pass --model DIR`);
  }
  const dir = path.join(shippedDir, name);
  if (!isBundleDir(dir)) {
    throw new ModelCatalogueError(`no shipped model found in ${shippedDir} (${DEFAULT_MODEL_FILE} names "${name}", which has no model.json); pass --model DIR`);
  }
  return { dir, name, source: 'shipped', isDefault: true };
}

/**
 * What `--model X` means: an existing folder (a bundle, else an error); otherwise a catalogue name (shipped or
 * user; a name found in several places is an error naming them); undefined / '' -> the shipped default.
 */
export function resolveModel(nameOrDir?: string, options: CatalogueOptions = {}): ResolvedModel {
  if (nameOrDir === undefined || nameOrDir.trim() === '') return resolveDefaultModel(options);
  const given = nameOrDir.trim();
  const asPath = path.resolve(given);
  if (isDir(asPath)) {
    if (!isBundleDir(asPath)) throw new ModelCatalogueError(`${given} is not a model bundle (no model.json)`);
    let catalogueSource: ResolvedModel['source'] = 'path';
    let isDefault = false;
    try {
      const def = resolveDefaultModel(options);
      if (path.resolve(def.dir) === asPath) {
        catalogueSource = 'shipped';
        isDefault = true;
      }
    } catch {
      // no default: a folder is just a folder
    }
    return { dir: asPath, name: path.basename(asPath), source: catalogueSource, isDefault };
  }
  if (looksLikePath(given)) throw new ModelCatalogueError(`no such model folder: ${given}`);
  const cat = listModels(options);
  const matches = cat.models.filter((m) => m.name === given);
  if (matches.length === 1) return { dir: matches[0].dir, name: given, source: matches[0].source, isDefault: matches[0].isDefault };
  if (matches.length > 1) {
    throw new ModelCatalogueError(`the model name "${given}" is ambiguous: ${matches.map((m) => `${m.dir} (${m.source})`).join(', ')}; pass the folder instead`);
  }
  const names = cat.models.map((m) => m.name);
  throw new ModelCatalogueError(
    `no model folder or catalogue model named "${given}"` +
      (names.length > 0 ? ` (installed: ${[...new Set(names)].join(', ')}; see mtcgcnn models)` : ' (no models are installed; see mtcgcnn models)'),
  );
}
