/**
 * A colleague's model folder is untrusted input: model.json is checked against its schema before anything is
 * allocated, hostile or broken fields give BundleError naming the field, non-finite weights and normalizers are
 * refused, and a non-finite prediction becomes an error row in screening and predict. The frozen version-1 bundle
 * in test/fixtures/model-bundle-v1 must load in every later version.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/compute/backend';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { readStructureFileSync } from '../../src-main/core/io';
import { BundleError, loadBundle } from '../../src-main/core/model/bundle';
import { Predictor } from '../../src-main/core/model/predictor';
import { runCommand } from '../../src-main/cli/command';
import { predictCommand } from '../../src-main/cli/commands/predict';
import { parseCsvText, screenFolder } from '../../src-main/core/screen';
import { compositionModel, tempDir } from '../fixtures/screen/helpers';

const V1 = path.resolve(__dirname, '../fixtures/model-bundle-v1');
const NACL = path.resolve(__dirname, '../fixtures/structures/NaCl-Fm-3m.cif');

type J = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

let work: string;
beforeAll(async () => {
  await initBackend({ force: 'wasm', skipNative: true });
  work = tempDir('bundle-untrusted');
});

/** A copy of the v1 bundle with model.json edited (and optionally a weights file). */
function variant(name: string, edit: (j: J) => void, weights?: (buf: Buffer) => Buffer): string {
  const dst = path.join(work, name);
  fs.cpSync(V1, dst, { recursive: true });
  const f = path.join(dst, 'model.json');
  const j = JSON.parse(fs.readFileSync(f, 'utf8')) as J;
  if (weights) {
    const wf = path.join(dst, 'members', '0', 'weights.bin');
    const buf = weights(fs.readFileSync(wf));
    fs.writeFileSync(wf, buf);
    j.members[0].sha256 = crypto.createHash('sha256').update(buf).digest('hex');
  }
  edit(j);
  fs.writeFileSync(f, JSON.stringify(j));
  return dst;
}

function refused(dir: string): BundleError {
  try {
    loadBundle(dir);
  } catch (e) {
    expect(e, String(e)).toBeInstanceOf(BundleError);
    return e as BundleError;
  }
  throw new Error(`${dir} loaded`);
}

describe('the frozen version-1 bundle', () => {
  it('loads and predicts what it predicted when it was written', async () => {
    const expected = JSON.parse(fs.readFileSync(path.join(V1, 'expected-predictions.json'), 'utf8')) as { mean: number[]; std: number[] };
    const p = await Predictor.load(V1);
    expect(p.bundle.json.formatVersion).toBe(1);
    const g = buildCrystalGraph('NaCl', readStructureFileSync(NACL)[0].structure, p.bundle.graphSettings);
    const out = p.predict([g]);
    expected.mean.forEach((m, t) => expect(out.mean[t][0]).toBeCloseTo(m, 4));
    expected.std.forEach((s, t) => expect(out.std![t][0]).toBeCloseTo(s, 4));
    p.dispose();
  });

  it('refuses a missing or non-numeric formatVersion, version 0 and a member without a checksum', () => {
    expect(refused(variant('nover', (j) => delete j.formatVersion)).message).toMatch(/formatVersion is missing/);
    expect(refused(variant('strver', (j) => (j.formatVersion = '1'))).message).toMatch(/formatVersion must be an integer/);
    expect(refused(variant('v0', (j) => (j.formatVersion = 0))).message).toMatch(/format version 0 is not supported/);
    expect(refused(variant('nosha', (j) => delete j.members[1].sha256)).message).toMatch(/members\[1\]\.sha256 is missing/);
    expect(refused(variant('emptysha', (j) => (j.members[0].sha256 = ''))).message).toMatch(/members\[0\]\.sha256 is missing/);
  });
});

describe('hostile or broken model.json', () => {
  it('names the wrong field instead of a TypeError or RangeError', () => {
    const cases: Array<[string, (j: J) => void, RegExp]> = [
      ['notensors', (j) => delete j.members[0].tensors, /members\[0\]\.tensors must be a list/],
      ['nulltable', (j) => (j.elementFeatures.table = null), /elementFeatures\.table must be an object, got null/],
      ['nullmember', (j) => (j.members[1] = null), /members\[1\] must be an object, got null/],
      ['rows3e6', (j) => (j.elementFeatures.rows = 3e6), /elementFeatures\.rows must be an integer from 1 to 119, got 3000000/],
      ['rows1e9', (j) => (j.elementFeatures.rows = 1e9), /elementFeatures\.rows must be an integer from 1 to 119/],
      ['traversal', (j) => (j.members[0].file = '../../../../etc/passwd'), /members\[0\]\.file must be "members\/0\/weights\.bin"/],
      ['absolute', (j) => (j.members[0].file = '/etc/passwd'), /members\[0\]\.file must be/],
      ['hugeconv', (j) => (j.architecture.convDim = 1e6), /architecture\.convDim must be an integer from 1 to 1024/],
      ['shape', (j) => (j.members[0].tensors[0].shape = [1e5, 1e5]), /members\[0\]\.tensors\[embed\.w\]\.shape is \[100000, 100000\] but the architecture needs \[8, 4\]/],
      ['nullnorm', (j) => (j.tasks[0].normalizer = { mean: null, std: null }), /tasks\[0\]\.normalizer\.mean must be a finite number, got null/],
      ['zerostd', (j) => (j.tasks[1].normalizer.std = 0), /tasks\[1\]\.normalizer\.std must be > 0/],
      ['nanfeature', (j) => (j.elementFeatures.table['11'][0] = null), /elementFeatures\.table\["11"\]\[0\] must be a finite number/],
      ['notasks', (j) => delete j.tasks, /tasks must be a list/],
      ['nullarch', (j) => (j.architecture = null), /architecture must be an object, got null/],
      ['nullgraph', (j) => (j.graphSettings = null), /graphSettings must be an object/],
      ['offset', (j) => (j.members[0].tensors[1].offset = 2), /offset must be a multiple of 4/],
      ['toplevel', (j) => Object.keys(j).forEach((k) => delete j[k]), /not a Crystal Property Studio model bundle/],
    ];
    for (const [name, edit, re] of cases) expect(refused(variant(name, edit)).message, name).toMatch(re);
  });

  it('refuses non-finite weights and a weights file of the wrong size', () => {
    const nan = refused(variant('nanweights', () => undefined, (buf) => {
      const b = Buffer.from(buf);
      b.writeFloatLE(NaN, 0);
      return b;
    }));
    expect(nan.message).toMatch(/member 0: tensor embed\.w holds a non-finite value/);
    const inf = refused(variant('allnan', () => undefined, (buf) => Buffer.from(new Float32Array(buf.length / 4).fill(Infinity).buffer)));
    expect(inf.message).toMatch(/non-finite/);
    const short = refused(variant('short', () => undefined, (buf) => buf.subarray(0, buf.length - 4)));
    expect(short.message).toMatch(/members\/0\/weights\.bin is corrupt: 2100 bytes, its manifest needs 2104/);
  });
});

describe('a non-finite prediction is an error row, never a value', () => {
  it('screen writes an error row and counts the file as failed', async () => {
    const input = tempDir('nonfinite-in');
    fs.copyFileSync(NACL, path.join(input, 'a.cif'));
    fs.copyFileSync(NACL, path.join(input, 'b.cif'));
    const base = compositionModel();
    const model = {
      ...base,
      predict: async (graphs: Parameters<typeof base.predict>[0]) => {
        const r = await base.predict(graphs);
        return { mean: r.mean.map((col) => Float64Array.from(col, (v, i) => (graphs[i].id === 'a' ? NaN : v))) };
      },
    };
    const out = path.join(work, 'nonfinite.csv');
    const s = await screenFolder({ inputDir: input, outPath: out, threads: 0, fsync: false }, model);
    const rows = parseCsvText(fs.readFileSync(out, 'utf8')).records;
    const a = rows.find((r) => r[1] === 'a.cif')!;
    expect(a.at(-1)).toMatch(/prediction failed: the model gave NaN for formation_energy_per_atom/);
    expect(a.slice(4, -1).every((c) => c === '')).toBe(true);
    expect(rows.find((r) => r[1] === 'b.cif')!.at(-1)).toBe('');
    expect(s.failed).toBe(1);
  });

  it('predict reports the structure as an error and exits non-zero', async () => {
    // A bundle whose output bias is +Infinity-prone: huge finite weights overflow float32 to Infinity.
    const dir = variant('overflow', () => undefined, (buf) => Buffer.from(new Float32Array(buf.length / 4).fill(3e38).buffer));
    const out = path.join(work, 'overflow.csv');
    const err: string[] = [];
    const lines: string[] = [];
    const code = await runCommand(predictCommand, [NACL, '--model', dir, '--out', out], { out: (l) => lines.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
    expect(code).not.toBe(0);
    expect(lines.join('\n')).toMatch(/error: prediction failed: the model gave (NaN|-?Infinity)/);
    expect(lines.join('\n')).not.toMatch(/NaN ±|= NaN|Infinity ±/);
    const rows = parseCsvText(fs.readFileSync(out, 'utf8')).records;
    expect(rows[1].at(-1)).toMatch(/prediction failed/);
    expect(err.join('\n')).toMatch(/1 of 1 structures could not be read or predicted/);
  });
});
