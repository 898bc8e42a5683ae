/**
 * Model bundle: a folder with
 *   model.json   format/version, architecture, graph settings, the element feature table (embedded, CGCNN
 *                atom_init format), tasks {name, unit, normalizer}, loss weighting, training card, and per
 *                member a manifest of its weights {file, sha256, tensors: [{name, shape, offset, length}]}
 *   weights.bin  (one member) or members/<k>/weights.bin (ensembles): float32 little-endian, concatenated
 *                in manifest order.
 * Loading checks the format and version and refuses bundles it cannot read with a message saying why.
 */
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { GraphSettings } from '../graph/crystal-graph';
import type { MetricsJson } from '../metrics/summary';
import type { TargetNormalizerJson } from '../metrics/normalizer';
import { type DerivedLabel, type ModelConfig, resolveTask } from './config';
import type { TaskKind } from '../../../src-shared/task-kind';
import { type TensorRecord, paramSpecs } from './params';
import { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError, checkModelJson, memberFileName } from './bundle-schema';
import type { LossWeightingSpec, LossWeightingState } from '../train/loss';
import type { ElementTableLike, TrainResult, TrainingData } from '../train/types';
import { writeFileAtomicSync } from '../fs/atomic-write';

export { BUNDLE_FORMAT, BUNDLE_VERSION, BundleError } from './bundle-schema';

export interface WeightsManifestEntry {
  name: string;
  shape: number[];
  /** Offset in bytes in the weights file. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

export interface BundleMemberJson {
  index: number;
  seed: number | null;
  file: string;
  sha256: string;
  bestEpoch: number | null;
  epochsRun: number | null;
  lossWeighting?: LossWeightingState;
  tensors: WeightsManifestEntry[];
}

export interface TrainingCard {
  dataset: { name: string | null; contentHash: string | null; crystals: number };
  split: { seed: number | null; train: number; val: number; test: number };
  testMetrics: MetricsJson | null;
  validationMetrics: MetricsJson | null;
  backend: { name: string; description: string; versions: Record<string, string> };
  computePath: string;
  durationSeconds: number;
  epochs: { requested: number; run: number[]; best: number[]; stoppedEarly: boolean[] };
  options: Record<string, unknown>;
  date: string;
}

export interface ModelJson {
  format: string;
  formatVersion: number;
  createdBy: string;
  architecture: ModelConfig;
  graphSettings: GraphSettings;
  elementFeatures: { format: 'cgcnn-atom-init'; dimension: number; rows: number; table: Record<string, number[]> };
  /**
   * Per task (architecture order). kind, displayName, nonNegative and derivedFrom repeat the architecture's task
   * (absent in bundles written before task metadata: the defaults of resolveTask apply). decisionThreshold: the
   * threshold chosen on the validation split (classification: on the probability; band gap: on the predicted gap
   * for the metal / non-metal call), absent when none was chosen (then 0.5 / 0.025 eV).
   */
  tasks: Array<{
    name: string; unit: string; normalizer: TargetNormalizerJson;
    kind?: TaskKind; displayName?: string; nonNegative?: boolean; derivedFrom?: DerivedLabel;
    decisionThreshold?: number; decisionThresholdChosenOn?: string;
  }>;
  lossWeighting: LossWeightingSpec | null;
  trainingCard: TrainingCard | null;
  /** What the training crystals covered; screening flags crystals outside it as out of domain. */
  domain?: ModelDomain;
  members: BundleMemberJson[];
}

export interface ModelDomain {
  /** Element symbols present in the training split. */
  elements: string[];
  /** Smallest and largest number of atoms per cell in the training split. */
  minAtoms: number;
  maxAtoms: number;
}

export interface LoadedBundle {
  dir: string;
  json: ModelJson;
  config: ModelConfig;
  graphSettings: GraphSettings;
  /** [rows, dimension] element feature matrix. */
  elementMatrix: Float32Array;
  elementDimension: number;
  normalizers: TargetNormalizerJson[];
  /** Decision thresholds by task name (see ModelJson.tasks); only the tasks that have one. */
  decisionThresholds: Record<string, number>;
  members: TensorRecord[][];
}

/** CGCNN atom_init.json form {"Z": [features]} of the rows with any non-zero value (Z >= 1). */
/** A model.json larger than this is refused before it is read (the shipped ones are ~100 KB). */
export const MODEL_JSON_MAX_BYTES = 16 * 1024 * 1024;

export function elementTableToCgcnnJson(matrix: Float32Array, dimension: number): Record<string, number[]> {
  const rows = matrix.length / dimension;
  const out: Record<string, number[]> = {};
  for (let z = 1; z < rows; z++) {
    const row = matrix.subarray(z * dimension, (z + 1) * dimension);
    if (row.some((x) => x !== 0)) out[String(z)] = Array.from(row);
  }
  return out;
}

export function elementTableFromCgcnnJson(table: Record<string, number[]>, dimension: number, rows = 119): Float32Array {
  const m = new Float32Array(rows * dimension);
  for (const [key, vec] of Object.entries(table)) {
    const z = Number(key);
    if (!Number.isInteger(z) || z < 0 || z >= rows) throw new BundleError(`element table: bad atomic number "${key}"`);
    if (!Array.isArray(vec) || vec.length !== dimension) throw new BundleError(`element table: Z=${key} has ${vec?.length} values, expected ${dimension}`);
    m.set(vec, z * dimension);
  }
  return m;
}

function sha256(buf: Buffer): string {
  return crypto.createHash('sha256').update(buf).digest('hex');
}

function encodeWeights(records: readonly TensorRecord[]): { buf: Buffer; tensors: WeightsManifestEntry[] } {
  if (os.endianness() !== 'LE') throw new BundleError('big-endian hosts are not supported');
  const total = records.reduce((a, r) => a + r.data.length, 0);
  const f = new Float32Array(total);
  const tensors: WeightsManifestEntry[] = [];
  let off = 0;
  for (const r of records) {
    f.set(r.data, off);
    tensors.push({ name: r.name, shape: r.shape.slice(), offset: off * 4, length: r.data.length });
    off += r.data.length;
  }
  return { buf: Buffer.from(f.buffer, f.byteOffset, f.byteLength), tensors };
}

export interface SaveBundleOptions {
  /** Free-form extra info for the training card (e.g. CLI arguments). */
  extraCard?: Record<string, unknown>;
  /** Training domain to record (see ModelDomain). */
  domain?: ModelDomain;
}

/** Writes a bundle for a training result into `dir` (created; existing bundle files are replaced). */
export function saveBundle(
  dir: string,
  result: TrainResult,
  data: Pick<TrainingData, 'elementTable' | 'graphSettings' | 'datasetName' | 'datasetHash' | 'graphs'>,
  opts: SaveBundleOptions = {},
): ModelJson {
  fs.mkdirSync(dir, { recursive: true });
  const K = result.members.length;
  const members: BundleMemberJson[] = result.members.map((m, k) => {
    const { buf, tensors } = encodeWeights(m.params);
    const file = memberFileName(k, K);
    writeFileAtomicSync(path.join(dir, file), buf);
    return {
      index: k, seed: m.seed, file, sha256: sha256(buf), bestEpoch: m.bestEpoch, epochsRun: m.epochsRun,
      lossWeighting: m.lossWeighting, tensors,
    };
  });
  const table = data.elementTable as ElementTableLike;
  const matrix = table.matrix();
  const json: ModelJson = {
    format: BUNDLE_FORMAT,
    formatVersion: BUNDLE_VERSION,
    createdBy: 'Crystal Property Studio',
    architecture: result.config,
    graphSettings: { ...data.graphSettings },
    elementFeatures: {
      format: 'cgcnn-atom-init', dimension: table.dimension, rows: matrix.length / table.dimension,
      table: elementTableToCgcnnJson(matrix, table.dimension),
    },
    tasks: result.config.tasks.map((t, i) => {
      const r = resolveTask(t);
      const threshold = result.decisionThresholds?.[t.name];
      return {
        name: t.name, unit: r.unit, normalizer: result.normalizers[i], kind: r.kind, displayName: r.displayName, nonNegative: r.nonNegative,
        ...(r.derivedFrom ? { derivedFrom: r.derivedFrom } : {}),
        ...(threshold !== undefined ? { decisionThreshold: threshold, decisionThresholdChosenOn: 'validation split' } : {}),
      };
    }),
    lossWeighting: result.trainOptions.lossWeighting,
    trainingCard: {
      dataset: { name: data.datasetName ?? null, contentHash: data.datasetHash ?? null, crystals: data.graphs.length },
      split: { seed: result.split.seed, train: result.split.train.length, val: result.split.val.length, test: result.split.test.length },
      testMetrics: result.testMetrics,
      validationMetrics: result.validationMetrics,
      backend: { name: result.backend.name, description: result.backend.description, versions: result.backend.versions },
      computePath: result.path,
      durationSeconds: result.durationSeconds,
      epochs: {
        requested: result.trainOptions.epochs,
        run: result.members.map((m) => m.epochsRun),
        best: result.members.map((m) => m.bestEpoch),
        stoppedEarly: result.members.map((m) => m.stoppedEarly),
      },
      options: { ...result.trainOptions, ...(opts.extraCard ?? {}) } as Record<string, unknown>,
      date: result.finishedAt,
    },
    ...(opts.domain ? { domain: opts.domain } : {}),
    members,
  };
  writeFileAtomicSync(path.join(dir, 'model.json'), JSON.stringify(json, null, 1));
  return json;
}

/**
 * Reads and validates a bundle. model.json is checked against its schema (bundle-schema.ts) before anything is
 * allocated or any other file is opened; each member's weights must have the size its manifest implies, match its
 * sha256 and hold only finite values. Throws BundleError with a clear message when the bundle cannot be used.
 */
export function loadBundle(dir: string): LoadedBundle {
  const file = path.join(dir, 'model.json');
  if (!fs.existsSync(file)) throw new BundleError(`${dir} is not a model bundle (no model.json)`);
  const size = fs.statSync(file).size;
  if (size > MODEL_JSON_MAX_BYTES) throw new BundleError(`${file} is ${size} bytes, more than a model.json can be (${MODEL_JSON_MAX_BYTES})`);
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (e) {
    throw new BundleError(`${file} is not valid JSON: ${(e as Error).message}`);
  }
  let checked: ReturnType<typeof checkModelJson>;
  try {
    checked = checkModelJson(parsed);
  } catch (e) {
    if (e instanceof BundleError) throw new BundleError(`${file}: ${e.message.replace(/^model\.json: /, '')}`);
    throw e;
  }
  const json = parsed as ModelJson;
  const { config, memberBytes } = checked;
  const ef = json.elementFeatures;
  const elementMatrix = elementTableFromCgcnnJson(ef.table, ef.dimension, ef.rows ?? 119);
  const specs = paramSpecs(config);
  const members = json.members.map((m, k) => {
    const wfile = path.join(dir, m.file);
    let st: fs.Stats;
    try {
      st = fs.statSync(wfile);
    } catch {
      throw new BundleError(`model bundle is incomplete: ${m.file} is missing`);
    }
    if (!st.isFile()) throw new BundleError(`model bundle member ${k}: ${m.file} is not a file`);
    if (st.size !== memberBytes[k]) {
      throw new BundleError(`model bundle file ${m.file} is corrupt: ${st.size} bytes, its manifest needs ${memberBytes[k]}`);
    }
    const buf = fs.readFileSync(wfile);
    if (sha256(buf) !== m.sha256) throw new BundleError(`model bundle file ${m.file} is corrupt (checksum mismatch)`);
    const byName = new Map(m.tensors.map((t) => [t.name, t]));
    return specs.map((s) => {
      const e = byName.get(s.name)!;
      const data = new Float32Array(e.length);
      new Uint8Array(data.buffer).set(buf.subarray(e.offset, e.offset + 4 * e.length));
      const bad = data.findIndex((x) => !Number.isFinite(x));
      if (bad >= 0) throw new BundleError(`model bundle member ${k}: tensor ${s.name} holds a non-finite value (${data[bad]} at ${bad})`);
      return { name: s.name, shape: s.shape.slice(), data };
    });
  });
  return {
    dir, json, config, graphSettings: json.graphSettings, elementMatrix, elementDimension: ef.dimension,
    normalizers: json.tasks.map((t) => t.normalizer), decisionThresholds: bundleDecisionThresholds(json), members,
  };
}

/** The decision thresholds a bundle's tasks store (chosen on the validation split), by task name. */
export function bundleDecisionThresholds(json: ModelJson): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of json.tasks) {
    if (t.decisionThreshold === undefined) continue;
    if (typeof t.decisionThreshold !== 'number' || !Number.isFinite(t.decisionThreshold)) {
      throw new BundleError(`model bundle task ${t.name}: decisionThreshold ${String(t.decisionThreshold)} is not a number`);
    }
    out[t.name] = t.decisionThreshold;
  }
  return out;
}
