#!/usr/bin/env node
// Bins resources/elements/element-properties.json into CGCNN's 92-long one-hot element encoding
// (Xie & Grossman, PRL 120, 145301 (2018), supplementary Table S2) and writes it in CGCNN's
// atom_init.json format ({"Z": [92 numbers]}) to resources/elements/atom-features-cgcnn92.json.
//
//   node scripts/generate-element-features.mjs              write the resources file
//   node scripts/generate-element-features.mjs --check      exit 1 if the committed file is stale
//   node scripts/generate-element-features.mjs --out -      print to stdout instead
//   node scripts/generate-element-features.mjs --no-compat  ignore the cgcnnCompatibility overrides
//   node scripts/generate-element-features.mjs --layout     print the block layout as JSON
//
// Plain JavaScript on purpose: Node 20 cannot run TypeScript, and this must run without a build.
// The layout below is mirrored by src-main/core/element-features/cgcnn-layout.ts (a unit test keeps them equal).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const PROPERTIES = resolve(ROOT, 'resources/elements/element-properties.json');
const OUTPUT = resolve(ROOT, 'resources/elements/atom-features-cgcnn92.json');

/**
 * Feature blocks in CGCNN order. `categorical` blocks map a property to an index directly;
 * `binned` blocks split [lo, hi] (after ln() when log) into `size` equal bins.
 */
export const LAYOUT = [
  { name: 'group', size: 19, property: 'group', kind: 'categorical', note: '0 = f-block (no group), 1-18 = IUPAC group' },
  { name: 'period', size: 7, property: 'period', kind: 'categorical', note: 'period 1-7' },
  { name: 'electronegativity', size: 10, property: 'electronegativityPauling', kind: 'binned', lo: 0.5, hi: 4.0, log: false },
  { name: 'covalentRadius', size: 10, property: 'covalentRadiusPm', kind: 'binned', lo: 25, hi: 250, log: false },
  { name: 'valenceElectrons', size: 12, property: 'valenceElectrons', kind: 'categorical', note: '1-12' },
  { name: 'firstIonizationEnergy', size: 10, property: 'firstIonizationEnergyEv', kind: 'binned', lo: 1.3, hi: 3.3, log: true },
  { name: 'electronAffinity', size: 10, property: 'electronAffinityEv', kind: 'binned', lo: -3.0, hi: 3.7, log: false },
  { name: 'block', size: 4, property: 'block', kind: 'categorical', note: 's, p, d, f' },
  { name: 'atomicVolume', size: 10, property: 'atomicVolumeCm3PerMol', kind: 'binned', lo: 1.5, hi: 4.3, log: true },
];

/**
 * Bin edges as numpy.linspace computes them (lo + i * step, last edge = hi), so values that sit
 * exactly on an edge land where CGCNN's table puts them.
 */
export function binEdges(lo, hi, n) {
  const step = (hi - lo) / n;
  const edges = [];
  for (let i = 0; i < n; i++) edges.push(lo + i * step);
  edges.push(hi);
  return edges;
}

/**
 * Right-closed bins: bin i holds edges[i] < x <= edges[i + 1]; values outside [lo, hi] go to the
 * first or last bin. (numpy.digitize(x, edges, right=True) - 1, clamped.) This convention reproduces
 * CGCNN's table for values sitting on an edge (Si and Cu at electronegativity 1.90, Gd at 1.20).
 */
export function binIndex(x, edges) {
  let below = 0;
  for (const e of edges) if (e < x) below++;
  return Math.min(Math.max(below - 1, 0), edges.length - 2);
}

function categoricalIndex(block, el) {
  const v = el[block.property];
  switch (block.name) {
    case 'group':
      if (v === null) return 0;
      if (!Number.isInteger(v) || v < 1 || v > 18) throw new Error(`Z=${el.z}: bad group ${v}`);
      return v;
    case 'period':
      if (!Number.isInteger(v) || v < 1 || v > 7) throw new Error(`Z=${el.z}: bad period ${v}`);
      return v - 1;
    case 'valenceElectrons':
      if (!Number.isInteger(v) || v < 1 || v > 12) throw new Error(`Z=${el.z}: bad valence electron count ${v}`);
      return v - 1;
    case 'block': {
      const i = ['s', 'p', 'd', 'f'].indexOf(v);
      if (i < 0) throw new Error(`Z=${el.z}: bad block ${v}`);
      return i;
    }
    default:
      throw new Error(`no categorical rule for ${block.name}`);
  }
}

/** Index of the set bit within `block` for element `el` (null: no bit set, i.e. no value). */
export function blockIndex(block, el) {
  if (block.kind === 'categorical') return categoricalIndex(block, el);
  const v = el[block.property];
  if (v === null || v === undefined) return null;
  if (typeof v !== 'number' || !Number.isFinite(v) || (block.log && v <= 0)) {
    throw new Error(`Z=${el.z}: bad ${block.property} ${v}`);
  }
  return binIndex(block.log ? Math.log(v) : v, binEdges(block.lo, block.hi, block.size));
}

/** The 92-long 0/1 vector of each element, keyed by Z as a string (CGCNN's format). */
export function encodeTable(table, { compat = true } = {}) {
  const overrides = new Map();
  if (compat) {
    for (const o of table.cgcnnCompatibility?.overrides ?? []) overrides.set(`${o.z}:${o.property}`, o.bin);
  }
  const used = new Set();
  const out = {};
  const seen = new Set();
  for (const el of table.elements) {
    if (!Number.isInteger(el.z) || el.z < 1 || el.z > 118 || seen.has(el.z)) throw new Error(`bad or duplicate z ${el.z}`);
    seen.add(el.z);
    const vec = [];
    for (const block of LAYOUT) {
      const key = `${el.z}:${block.property}`;
      let idx = blockIndex(block, el);
      if (overrides.has(key)) {
        idx = overrides.get(key);
        used.add(key);
      }
      if (idx !== null && !(Number.isInteger(idx) && idx >= 0 && idx < block.size)) {
        throw new Error(`Z=${el.z}: bin ${idx} outside ${block.name} (size ${block.size})`);
      }
      for (let i = 0; i < block.size; i++) vec.push(i === idx ? 1 : 0);
    }
    out[String(el.z)] = vec;
  }
  for (const key of overrides.keys()) if (!used.has(key)) throw new Error(`override ${key} matches no element/property`);
  return out;
}

/** CGCNN-style JSON text, one element per line (stable, diff-friendly). */
export function formatCgcnnJson(encoded) {
  const keys = Object.keys(encoded).sort((a, b) => Number(a) - Number(b));
  return `{\n${keys.map((k) => `  "${k}": [${encoded[k].join(', ')}]`).join(',\n')}\n}\n`;
}

function main(argv) {
  const args = new Set(argv);
  const outIdx = argv.indexOf('--out');
  const outPath = outIdx >= 0 ? argv[outIdx + 1] : OUTPUT;
  if (args.has('--layout')) {
    let offset = 0;
    const layout = LAYOUT.map((b) => ({ name: b.name, offset: (offset += b.size) - b.size, size: b.size }));
    process.stdout.write(`${JSON.stringify(layout)}\n`);
    return 0;
  }
  const table = JSON.parse(readFileSync(PROPERTIES, 'utf8'));
  const text = formatCgcnnJson(encodeTable(table, { compat: !args.has('--no-compat') }));
  if (args.has('--check')) {
    let current = '';
    try {
      current = readFileSync(OUTPUT, 'utf8');
    } catch {
      /* missing counts as stale */
    }
    if (current !== text) {
      process.stderr.write(`${OUTPUT} is stale: run node scripts/generate-element-features.mjs\n`);
      return 1;
    }
    process.stdout.write('element features up to date\n');
    return 0;
  }
  if (outPath === '-') process.stdout.write(text);
  else {
    writeFileSync(outPath, text);
    process.stdout.write(`wrote ${outPath} (${table.elements.length} elements)\n`);
  }
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
