import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CGCNN92_DIMENSION,
  CGCNN92_LAYOUT,
  ElementFeatureError,
  ElementFeatureTable,
  MATRIX_ROWS,
  RESOURCES_ENV,
  resourcesDir,
} from '../../src-main/core/element-features';

const REPO = resolve(__dirname, '../..');
const tmp = mkdtempSync(join(tmpdir(), 'features-test-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('ElementFeatureTable', () => {
  it('builds from CGCNN json and gathers by atomic number', () => {
    const t = ElementFeatureTable.fromCgcnnJson({ '1': [1, 0, 0.5], '8': [0, 1, -2] }, 'test');
    expect(t.dimension).toBe(3);
    expect(t.size).toBe(2);
    expect(t.elements).toEqual([1, 8]);
    expect(t.has(1)).toBe(true);
    expect(t.has(2)).toBe(false);
    expect(t.has(0)).toBe(false);
    expect(t.has(1.5)).toBe(false);
    expect(Array.from(t.vector(8))).toEqual([0, 1, -2]);
    const m = t.matrix();
    expect(m.length).toBe(MATRIX_ROWS * 3);
    expect(Array.from(m.subarray(3, 6))).toEqual([1, 0, 0.5]);
    expect(Array.from(m.subarray(24, 27))).toEqual([0, 1, -2]);
    expect(m.subarray(6, 24).every((v) => v === 0)).toBe(true);
    const known = t.known;
    expect(known.length).toBe(MATRIX_ROWS);
    expect(known[1] + known[8]).toBe(2);
    expect(known.reduce((a, b) => a + b, 0)).toBe(2);
    expect(t.missing([1, 8, 26, 26, 2])).toEqual([2, 26]);
    expect(() => t.vector(26)).toThrow(/Z=26 has no features in test/);
  });

  it('is immutable: returned arrays are copies', () => {
    const t = ElementFeatureTable.fromCgcnnJson({ '3': [1, 2] });
    t.vector(3)[0] = 99;
    t.matrix()[6] = 99;
    t.known[3] = 0;
    expect(Array.from(t.vector(3))).toEqual([1, 2]);
    expect(t.has(3)).toBe(true);
    expect(Object.isFrozen(t)).toBe(true);
    expect(() => (t.elements as number[]).push(4)).toThrow();
  });

  it('round-trips through toJSON', () => {
    const obj = { '26': [0, 1, 0], '2': [1, 0, 0] };
    const t = ElementFeatureTable.fromCgcnnJson(obj);
    expect(t.toJSON()).toEqual(obj);
    expect(Object.keys(t.toJSON())).toEqual(['2', '26']);
    expect(JSON.parse(JSON.stringify(t))).toEqual(obj);
  });

  it.each([
    [null, /expected a JSON object/],
    [[[1, 2]], /expected a JSON object/],
    [{}, /no elements/],
    [{ '0': [1] }, /key "0" is not an atomic number 1\.\.118/],
    [{ '119': [1] }, /key "119"/],
    [{ '1.5': [1] }, /key "1\.5"/],
    [{ H: [1] }, /key "H"/],
    [{ '01': [1] }, /key "01"/],
    [{ '1': 'x' }, /element 1: expected an array/],
    [{ '1': [] }, /element 1: empty feature vector/],
    [{ '1': [1, 2], '2': [1] }, /element 2 has 1 features but element 1 has 2/],
    [{ '1': [1, '2'] }, /element 1, feature 1: "2" is not a finite number/],
    [{ '1': [1, null] }, /feature 1: null is not a finite number/],
  ])('rejects malformed input %#', (obj, msg) => {
    expect(() => ElementFeatureTable.fromCgcnnJson(obj, 'bad.json')).toThrow(ElementFeatureError);
    expect(() => ElementFeatureTable.fromCgcnnJson(obj, 'bad.json')).toThrow(msg);
  });

  it('rejects NaN and Infinity', () => {
    expect(() => ElementFeatureTable.fromCgcnnJson({ '1': [NaN] })).toThrow(/not a finite number/);
    expect(() => ElementFeatureTable.fromCgcnnJson({ '1': [Infinity] })).toThrow(/not a finite number/);
  });

  it('loads a user file and reports unreadable ones clearly', () => {
    const ok = join(tmp, 'atom_init.json');
    writeFileSync(ok, '\ufeff{"1": [0.25, 1], "118": [1, 0]}');
    const t = ElementFeatureTable.loadFile(ok);
    expect(t.source).toBe(ok);
    expect(t.has(118)).toBe(true);
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, '{"1": [1,');
    expect(() => ElementFeatureTable.loadFile(bad)).toThrow(/bad\.json: not valid JSON/);
    expect(() => ElementFeatureTable.loadFile(join(tmp, 'nope.json'))).toThrow(/cannot read element features .*nope\.json/);
  });

  it('builtin() is the generated CGCNN-style 92-long table for Z = 1..100', () => {
    const t = ElementFeatureTable.builtin();
    expect(t).toBe(ElementFeatureTable.builtin());
    expect(t.dimension).toBe(CGCNN92_DIMENSION);
    expect(t.elements).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    // Each block is a one-hot or empty; group, period, valence and block are always set.
    for (const z of t.elements) {
      const v = t.vector(z);
      for (const b of CGCNN92_LAYOUT) {
        const ones = Array.from(v.subarray(b.offset, b.offset + b.size)).filter((x) => x === 1).length;
        expect(ones, `Z=${z} ${b.name}`).toBeLessThanOrEqual(1);
        if (['group', 'period', 'valenceElectrons', 'block', 'covalentRadius', 'firstIonizationEnergy'].includes(b.name)) {
          expect(ones, `Z=${z} ${b.name}`).toBe(1);
        }
      }
    }
    // Fe: group 8, period 4, d block, 8 valence electrons.
    const fe = t.vector(26);
    expect(fe[8]).toBe(1);
    expect(fe[19 + 3]).toBe(1);
    expect(fe[46 + 7]).toBe(1);
    expect(fe[78 + 2]).toBe(1);
  });
});

describe('layout', () => {
  it('blocks tile 0..92 without gaps', () => {
    let next = 0;
    for (const b of CGCNN92_LAYOUT) {
      expect(b.offset).toBe(next);
      next += b.size;
    }
    expect(next).toBe(CGCNN92_DIMENSION);
  });
});

describe('resourcesDir', () => {
  it('finds resources/elements by walking up from the module (source tree)', () => {
    expect(resourcesDir({ env: {} })).toBe(join(REPO, 'resources'));
  });

  it('walks up from a bundle-like location (out/main) and from a packaged resourcesPath', () => {
    expect(resourcesDir({ env: {}, startDirs: [join(REPO, 'out', 'main')] })).toBe(join(REPO, 'resources'));
    // Packaged app: <Resources>/app.asar/out/main and <Resources>/resources/elements.
    const app = join(tmp, 'Resources');
    mkdirSync(join(app, 'app.asar', 'out', 'main'), { recursive: true });
    mkdirSync(join(app, 'resources', 'elements'), { recursive: true });
    expect(resourcesDir({ env: {}, startDirs: [join(app, 'app.asar', 'out', 'main')] })).toBe(join(app, 'resources'));
    expect(resourcesDir({ env: {}, startDirs: [app] })).toBe(join(app, 'resources'));
  });

  it('honours MTCGCNN_RESOURCES and rejects a wrong one', () => {
    const custom = join(tmp, 'custom-res');
    mkdirSync(join(custom, 'elements'), { recursive: true });
    expect(resourcesDir({ env: { [RESOURCES_ENV]: custom } })).toBe(custom);
    expect(() => resourcesDir({ env: { [RESOURCES_ENV]: join(tmp, 'nowhere') } })).toThrow(/MTCGCNN_RESOURCES=.*does not contain an 'elements' folder/);
  });

  it('fails with a hint when nothing is found', () => {
    expect(() => resourcesDir({ env: {}, startDirs: ['/'] })).toThrow(/set MTCGCNN_RESOURCES/);
  });
});
