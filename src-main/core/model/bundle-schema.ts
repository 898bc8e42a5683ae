/**
 * The schema of model.json, checked before anything is allocated or opened: a colleague's model folder is untrusted
 * input. Every field the loader uses is checked for type and range, with the field's path in the error
 * (`members[1].tensors[3].shape`), so a broken or hostile bundle is refused with BundleError, never a raw TypeError,
 * RangeError or a multi-gigabyte allocation.
 *
 * Bounds: architecture sizes are capped (MODEL_LIMITS) so that the tensors the architecture implies stay small
 * enough to allocate; every tensor in a member's manifest must have exactly the shape the architecture gives it; the
 * element table has at most ELEMENT_TABLE_MAX_ROWS rows (Z = 0..118); member files must be the names the writer
 * uses (`weights.bin` for one member, `members/<k>/weights.bin` for ensembles), so nothing outside the bundle folder
 * is ever opened; each member needs a sha256 checksum; every number must be finite, and each task's normalizer
 * std finite and > 0.
 *
 * Format versions: `formatVersion` must be an integer from 1 to BUNDLE_VERSION. Version 1 is the first released
 * format; test/fixtures/model-bundle-v1 is a frozen copy that every later version must still load.
 */
import { validateModelConfig, type ModelConfig } from './config';
import { paramSpecs } from './params';

export const BUNDLE_FORMAT = 'crystal-property-studio/mtcgcnn-bundle';
export const BUNDLE_VERSION = 1;

/** Element feature rows: Z = 0 (unused) .. 118. */
export const ELEMENT_TABLE_MAX_ROWS = 119;

/** Upper bounds on architecture sizes: far above any trained model, far below what exhausts memory. */
export const MODEL_LIMITS = Object.freeze({
  atomFeatureDim: 1024,
  bondFeatureDim: 1024,
  convDim: 1024,
  numConv: 32,
  hiddenDim: 4096,
  sharedHidden: 16,
  headHidden: 16,
  tasks: 64,
  members: 64,
  /** Float32 values per member (64 M floats = 256 MB). */
  memberValues: 64 * 1024 * 1024,
});

export class BundleError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BundleError';
  }
}

type Json = Record<string, unknown>;

function fail(field: string, what: string): never {
  throw new BundleError(`model.json: ${field} ${what}`);
}

function object(v: unknown, field: string): Json {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(field, `must be an object, got ${describe(v)}`);
  return v as Json;
}

function array(v: unknown, field: string, max: number): unknown[] {
  if (!Array.isArray(v)) fail(field, `must be a list, got ${describe(v)}`);
  if (v.length > max) fail(field, `has ${v.length} entries, at most ${max} are allowed`);
  return v;
}

function string(v: unknown, field: string): string {
  if (typeof v !== 'string') fail(field, `must be a string, got ${describe(v)}`);
  return v;
}

function finite(v: unknown, field: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `must be a finite number, got ${describe(v)}`);
  return v;
}

function integer(v: unknown, field: string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) fail(field, `must be an integer from ${min} to ${max}, got ${describe(v)}`);
  return v;
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'string') return JSON.stringify(v.length > 40 ? `${v.slice(0, 40)}...` : v);
  if (typeof v === 'object') return 'an object';
  return String(v);
}

/** Checks the format marker and version (both required). */
export function checkFormatVersion(j: Json): number {
  if (j.format !== BUNDLE_FORMAT) {
    throw new BundleError(`not a Crystal Property Studio model bundle (format ${describe(j.format)})`);
  }
  const v = j.formatVersion;
  if (v === undefined) fail('formatVersion', 'is missing');
  if (typeof v !== 'number' || !Number.isInteger(v)) fail('formatVersion', `must be an integer, got ${describe(v)}`);
  if (v > BUNDLE_VERSION) {
    throw new BundleError(`model bundle format version ${v} is newer than this app supports (${BUNDLE_VERSION}); update the app to use it`);
  }
  if (v < 1) throw new BundleError(`model bundle format version ${v} is not supported (the first format is version 1)`);
  return v;
}

function checkArchitecture(v: unknown): ModelConfig {
  const a = object(v, 'architecture');
  for (const k of ['atomFeatureDim', 'bondFeatureDim', 'convDim', 'hiddenDim'] as const) integer(a[k], `architecture.${k}`, 1, MODEL_LIMITS[k]);
  for (const k of ['numConv', 'sharedHidden', 'headHidden'] as const) integer(a[k], `architecture.${k}`, 0, MODEL_LIMITS[k]);
  const tasks = array(a.tasks, 'architecture.tasks', MODEL_LIMITS.tasks);
  tasks.forEach((t, i) => {
    const o = object(t, `architecture.tasks[${i}]`);
    string(o.name, `architecture.tasks[${i}].name`);
    string(o.unit, `architecture.tasks[${i}].unit`);
  });
  finite(a.softSharingStrength, 'architecture.softSharingStrength');
  finite(a.bnEpsilon, 'architecture.bnEpsilon');
  finite(a.bnMomentum, 'architecture.bnMomentum');
  const config = a as unknown as ModelConfig;
  try {
    validateModelConfig(config);
  } catch (e) {
    throw new BundleError(`model.json: architecture is invalid: ${(e as Error).message}`);
  }
  return config;
}

function checkGraphSettings(v: unknown): void {
  const g = object(v, 'graphSettings');
  const r = finite(g.radiusAngstrom, 'graphSettings.radiusAngstrom');
  if (r <= 0 || r > 50) fail('graphSettings.radiusAngstrom', `must be in (0, 50] Angstrom, got ${r}`);
  integer(g.maxNeighbors, 'graphSettings.maxNeighbors', 1, 256);
  const step = finite(g.gaussianStepAngstrom, 'graphSettings.gaussianStepAngstrom');
  if (step <= 0) fail('graphSettings.gaussianStepAngstrom', `must be > 0 Angstrom, got ${step}`);
  if (!(finite(g.gaussianWidthAngstrom, 'graphSettings.gaussianWidthAngstrom') > 0)) fail('graphSettings.gaussianWidthAngstrom', 'must be > 0 Angstrom');
  if (typeof g.growRadius !== 'boolean') fail('graphSettings.growRadius', `must be true or false, got ${describe(g.growRadius)}`);
}

function checkElementFeatures(v: unknown, config: ModelConfig): void {
  const ef = object(v, 'elementFeatures');
  if (ef.format !== 'cgcnn-atom-init') fail('elementFeatures.format', `must be "cgcnn-atom-init", got ${describe(ef.format)}`);
  const dim = integer(ef.dimension, 'elementFeatures.dimension', 1, MODEL_LIMITS.atomFeatureDim);
  if (dim !== config.atomFeatureDim) fail('elementFeatures.dimension', `is ${dim} but the architecture needs ${config.atomFeatureDim}`);
  const rows = ef.rows === undefined ? ELEMENT_TABLE_MAX_ROWS : integer(ef.rows, 'elementFeatures.rows', 1, ELEMENT_TABLE_MAX_ROWS);
  const table = object(ef.table, 'elementFeatures.table');
  for (const [key, vec] of Object.entries(table)) {
    const field = `elementFeatures.table["${key.slice(0, 20)}"]`;
    if (!/^\d{1,3}$/.test(key) || Number(key) >= rows) fail(field, `is not an atomic number below ${rows}`);
    const values = array(vec, field, dim);
    if (values.length !== dim) fail(field, `has ${values.length} values, expected ${dim}`);
    values.forEach((x, i) => finite(x, `${field}[${i}]`));
  }
}

function checkTasks(v: unknown, config: ModelConfig): void {
  const tasks = array(v, 'tasks', MODEL_LIMITS.tasks);
  if (tasks.length !== config.tasks.length) fail('tasks', `has ${tasks.length} entries but the architecture has ${config.tasks.length} tasks`);
  tasks.forEach((t, i) => {
    const o = object(t, `tasks[${i}]`);
    string(o.name, `tasks[${i}].name`);
    string(o.unit, `tasks[${i}].unit`);
    const n = object(o.normalizer, `tasks[${i}].normalizer`);
    finite(n.mean, `tasks[${i}].normalizer.mean`);
    const std = finite(n.std, `tasks[${i}].normalizer.std`);
    if (!(std > 0)) fail(`tasks[${i}].normalizer.std`, `must be > 0, got ${std}`);
  });
}

function checkDomain(v: unknown): void {
  if (v === undefined) return;
  const d = object(v, 'domain');
  array(d.elements, 'domain.elements', 256).forEach((e, i) => {
    if (typeof e !== 'string' && typeof e !== 'number') fail(`domain.elements[${i}]`, `must be a symbol or an atomic number, got ${describe(e)}`);
  });
  integer(d.minAtoms, 'domain.minAtoms', 0, Number.MAX_SAFE_INTEGER);
  integer(d.maxAtoms, 'domain.maxAtoms', 0, Number.MAX_SAFE_INTEGER);
}

/** The member file the writer uses: `weights.bin` for a single model, `members/<k>/weights.bin` in an ensemble. */
export function memberFileName(index: number, members: number): string {
  return members === 1 ? 'weights.bin' : `members/${index}/weights.bin`;
}

/** Checks the members' manifests against the architecture; returns each member's expected weights size in bytes. */
function checkMembers(v: unknown, config: ModelConfig): number[] {
  const members = array(v, 'members', MODEL_LIMITS.members);
  if (members.length === 0) throw new BundleError('model.json: members is empty: the bundle has no weights');
  const specs = paramSpecs(config);
  const values = specs.reduce((a, s) => a + s.shape.reduce((x, y) => x * y, 1), 0);
  if (values > MODEL_LIMITS.memberValues) fail('architecture', `implies ${values} weights per member, more than the ${MODEL_LIMITS.memberValues} allowed`);
  return members.map((m, k) => {
    const at = `members[${k}]`;
    const o = object(m, at);
    integer(o.index, `${at}.index`, k, k);
    const file = string(o.file, `${at}.file`);
    const expected = memberFileName(k, members.length);
    if (file !== expected) fail(`${at}.file`, `must be "${expected}" (inside the bundle folder), got ${describe(file)}`);
    if (o.sha256 === undefined || o.sha256 === '') fail(`${at}.sha256`, 'is missing: every member needs the checksum of its weights');
    if (typeof o.sha256 !== 'string' || !/^[0-9a-f]{64}$/.test(o.sha256)) fail(`${at}.sha256`, `must be 64 lower-case hex digits, got ${describe(o.sha256)}`);
    const tensors = array(o.tensors, `${at}.tensors`, specs.length);
    const byName = new Map<string, Json>();
    tensors.forEach((t, i) => {
      const e = object(t, `${at}.tensors[${i}]`);
      const name = string(e.name, `${at}.tensors[${i}].name`);
      if (byName.has(name)) fail(`${at}.tensors[${i}].name`, `repeats ${name}`);
      byName.set(name, e);
    });
    let bytes = 0;
    for (const s of specs) {
      const e = byName.get(s.name);
      if (!e) fail(`${at}.tensors`, `lacks tensor ${s.name}`);
      const field = `${at}.tensors[${s.name}]`;
      const shape = array(e.shape, `${field}.shape`, 8);
      if (shape.length !== s.shape.length || shape.some((d, i) => d !== s.shape[i])) {
        fail(`${field}.shape`, `is [${shape.map(describe).join(', ')}] but the architecture needs [${s.shape.join(', ')}]`);
      }
      const n = s.shape.reduce((x, y) => x * y, 1);
      integer(e.length, `${field}.length`, n, n);
      const offset = integer(e.offset, `${field}.offset`, 0, MODEL_LIMITS.memberValues * 4);
      if (offset % 4 !== 0) fail(`${field}.offset`, `must be a multiple of 4, got ${offset}`);
      bytes = Math.max(bytes, offset + 4 * n);
    }
    return bytes;
  });
}

/** A checked model.json and, per member, the smallest weights file size its manifest needs (bytes). */
export interface CheckedModelJson {
  config: ModelConfig;
  memberBytes: number[];
}

/** Checks a parsed model.json; throws BundleError naming the first wrong field. Allocates nothing large. */
export function checkModelJson(parsed: unknown): CheckedModelJson {
  const j = object(parsed, 'the top level');
  checkFormatVersion(j);
  const config = checkArchitecture(j.architecture);
  checkGraphSettings(j.graphSettings);
  checkElementFeatures(j.elementFeatures, config);
  checkTasks(j.tasks, config);
  checkDomain(j.domain);
  const memberBytes = checkMembers(j.members, config);
  return { config, memberBytes };
}
