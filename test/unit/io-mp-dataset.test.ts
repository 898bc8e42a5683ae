/**
 * 300 randomly chosen (seeded) Materials Project CIFs from ../shared/datasets/mp-cgcnn-25k parse, with the
 * site count and cell volume recorded in extra_props.csv.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseStructures } from '../../src-main/core/io';
import { HAVE_MP25K as HAVE, MP25K_DIR as DATASET } from '../shared-data';


function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe.skipIf(!HAVE)('mp-cgcnn-25k sample', () => {
  it('parses 300 random files with the recorded site counts and volumes', () => {
    const rows = fs.readFileSync(path.join(DATASET, 'extra_props.csv'), 'utf8').trim().split(/\r?\n/);
    const header = rows[0].split(',');
    const iId = header.indexOf('id');
    const iN = header.indexOf('nsites');
    const iV = header.indexOf('volume_A3');
    const props = rows.slice(1).map((r) => r.split(','));
    props.sort((a, b) => (a[iId] < b[iId] ? -1 : 1));
    const rnd = mulberry32(20261121);
    const chosen = new Set<number>();
    while (chosen.size < 300) chosen.add(Math.floor(rnd() * props.length));
    let elapsed = 0;
    for (const k of chosen) {
      const p = props[k];
      const file = `${p[iId]}.cif`;
      const text = fs.readFileSync(path.join(DATASET, file), 'utf8');
      const t0 = performance.now();
      const got = parseStructures(text, file);
      elapsed += performance.now() - t0;
      expect(got.length, file).toBe(1);
      expect(got[0].structure.numSites, file).toBe(Number(p[iN]));
      const v = Number(p[iV]);
      expect(Math.abs(got[0].structure.lattice.volumeAngstrom3 - v) / v, file).toBeLessThan(1e-6);
    }
    console.log(`io-mp-dataset: 300 files parsed in ${elapsed.toFixed(1)} ms (${((elapsed / 300) * 1000).toFixed(0)} us/file, cold JIT)`);
  });
});
