/**
 * The builtin element features (generated from this project's own element property table) against
 * CGCNN's published atom_init.json (committed in test/fixtures/mp-small). Prints the agreement figures.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CGCNN92_LAYOUT, ElementFeatureTable } from '../../src-main/core/element-features';
import { MP_SMALL_DIR } from '../shared-data';

const REPO = resolve(__dirname, '../..');
/** CGCNN's atom_init.json, committed with the mp-small fixtures (byte-identical to the shared 25k set's copy). */
const SHARED_ATOM_INIT = join(MP_SMALL_DIR, 'atom_init.json');
const GENERATOR = join(REPO, 'scripts/generate-element-features.mjs');

function generate(...args: string[]): string {
  const r = spawnSync(process.execPath, [GENERATOR, ...args], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`generator failed (${r.status}): ${r.stderr}`);
  return r.stdout;
}

interface Agreement {
  elements: number;
  exactElements: number;
  bits: number;
  agreeingBits: number;
  perBlock: Record<string, { agree: number; total: number; elementsDiffering: string[] }>;
  differing: number[];
}

function compare(ours: ElementFeatureTable, ref: ElementFeatureTable): Agreement {
  const a: Agreement = { elements: 0, exactElements: 0, bits: 0, agreeingBits: 0, perBlock: {}, differing: [] };
  for (const b of CGCNN92_LAYOUT) a.perBlock[b.name] = { agree: 0, total: 0, elementsDiffering: [] };
  for (const z of ref.elements) {
    a.elements++;
    const r = ref.vector(z);
    const o = ours.has(z) ? ours.vector(z) : new Float32Array(ref.dimension);
    let same = true;
    for (const b of CGCNN92_LAYOUT) {
      const pb = a.perBlock[b.name];
      let blockSame = true;
      for (let i = b.offset; i < b.offset + b.size; i++) {
        pb.total++;
        a.bits++;
        if (r[i] === o[i]) {
          pb.agree++;
          a.agreeingBits++;
        } else blockSame = false;
      }
      if (!blockSame) {
        pb.elementsDiffering.push(String(z));
        same = false;
      }
    }
    if (same) a.exactElements++;
    else a.differing.push(z);
  }
  return a;
}

function report(label: string, a: Agreement): void {
  const pct = (x: number, n: number) => `${((100 * x) / n).toFixed(2)}%`;
  const lines = [
    `[element features] ${label}: ${a.exactElements}/${a.elements} elements identical, ` +
      `${a.agreeingBits}/${a.bits} bits agree (${pct(a.agreeingBits, a.bits)})`,
    ...Object.entries(a.perBlock).map(
      ([name, b]) =>
        `    ${name.padEnd(22)} ${String(b.agree).padStart(5)}/${b.total} bits (${pct(b.agree, b.total)})` +
        (b.elementsDiffering.length ? `  differing Z: ${b.elementsDiffering.join(',')}` : ''),
    ),
  ];
  console.log(lines.join('\n'));
}

describe('builtin features vs CGCNN atom_init.json', () => {
  const ref = ElementFeatureTable.loadFile(SHARED_ATOM_INIT);

  it('the reference has the layout we assume (100 elements, 92 columns, one-hot blocks)', () => {
    expect(ref.dimension).toBe(92);
    expect(ref.elements).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
    for (const z of ref.elements) {
      const v = ref.vector(z);
      for (const b of CGCNN92_LAYOUT) {
        const block = Array.from(v.subarray(b.offset, b.offset + b.size));
        expect(block.every((x) => x === 0 || x === 1)).toBe(true);
        expect(block.filter((x) => x === 1).length).toBeLessThanOrEqual(1);
      }
    }
  });

  it('the builtin table (with its documented compatibility overrides) agrees with CGCNN', () => {
    const a = compare(ElementFeatureTable.builtin(), ref);
    report('builtin (compat overrides applied)', a);
    expect(a.agreeingBits / a.bits).toBeGreaterThanOrEqual(0.995);
    // Every element that occurs in Materials Project data is identical.
    expect(a.exactElements).toBe(100);
  });

  it('binning the plain property values (no overrides) already agrees closely', () => {
    const plain = ElementFeatureTable.fromCgcnnJson(JSON.parse(generate('--out', '-', '--no-compat')), 'no-compat');
    const a = compare(plain, ref);
    report('property values binned without overrides', a);
    expect(a.agreeingBits / a.bits).toBeGreaterThanOrEqual(0.99);
    expect(a.exactElements).toBeGreaterThanOrEqual(80);
    // The common light elements and 3d metals need no override at all.
    for (let z = 1; z <= 35; z++) if (z !== 4 && z !== 7) expect(a.differing, `Z=${z}`).not.toContain(z);
  });
});

describe('generator', () => {
  it('the committed resources file is up to date with element-properties.json', () => {
    const committed = readFileSync(join(REPO, 'resources/elements/atom-features-cgcnn92.json'), 'utf8');
    expect(generate('--out', '-')).toBe(committed);
  });

  it('its layout matches CGCNN92_LAYOUT', () => {
    expect(JSON.parse(generate('--layout'))).toEqual(CGCNN92_LAYOUT.map((b) => ({ ...b })));
  });

  it('every compatibility override is documented and used', () => {
    const table = JSON.parse(readFileSync(join(REPO, 'resources/elements/element-properties.json'), 'utf8'));
    const overrides = table.cgcnnCompatibility.overrides as { z: number; property: string; note: string }[];
    expect(overrides.length).toBeLessThanOrEqual(20);
    for (const o of overrides) expect(o.note.length).toBeGreaterThan(20);
    const doc = readFileSync(join(REPO, 'docs/element-features.md'), 'utf8');
    for (const o of overrides) expect(doc, `override Z=${o.z}`).toContain(`| ${table.elements[o.z - 1].symbol} (${o.z}) |`);
  });
});
