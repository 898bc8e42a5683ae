/**
 * Extended XYZ reader: `N`, then a comment line of key=value pairs with `Lattice="ax ay az bx by bz cx cy cz"`
 * and optionally `Properties=species:S:1:pos:R:3:...` and `pbc="T T T"`, then N atom lines. Several frames
 * in one file give several structures (`stem#0`, `stem#1`, ...). Plain XYZ (no Lattice) is refused as not
 * periodic.
 */
import type { Lattice, Vec3 } from '../crystal/lattice';
import { Structure } from '../crystal/structure';
import { atomicNumber } from '../crystal/elements';
import { ReadProblem } from './errors';
import { parseIntStrict, parseNumber } from './numbers';
import { makeLattice } from './poscar';
import type { NamedStructure, ResolvedReadOptions } from './types';
import { fileStem, splitLines, words } from './util';

interface PropColumn {
  name: string;
  type: string;
  count: number;
  offset: number;
}

export function readExtXyz(text: string, file: string, opts: ResolvedReadOptions): NamedStructure[] {
  const lines = splitLines(text);
  let li = 0;
  const frames: { lattice: Lattice; species: number[]; cart: Vec3[]; warnings: string[] }[] = [];
  const stem = fileStem(file);
  for (;;) {
    while (li < lines.length && lines[li].trim() === '') li++;
    if (li >= lines.length) break;
    const countLine = li + 1;
    const natoms = parseIntStrict(lines[li].trim());
    if (Number.isNaN(natoms) || natoms < 0) {
      throw new ReadProblem('syntax', `line ${countLine} should be the number of atoms of frame ${frames.length}, found '${lines[li].trim().slice(0, 40)}'`, countLine);
    }
    if (natoms === 0) throw new ReadProblem('missing-sites', `frame ${frames.length} has 0 atoms`, countLine);
    if (natoms > opts.maxSites) throw new ReadProblem('too-large', `${natoms} atoms is more than the limit of ${opts.maxSites}`, countLine);
    if (li + 1 >= lines.length) throw new ReadProblem('truncated', 'file ends before the comment line', countLine + 1);
    const info = parseKeyValues(lines[li + 1]);
    const commentLine = li + 2;
    const warnings: string[] = [];
    const latticeText = info.get('lattice');
    if (latticeText === undefined) {
      throw new ReadProblem('not-periodic', 'plain XYZ without Lattice="..." in the comment line: a molecule, not a periodic crystal', commentLine);
    }
    const lv = words(latticeText).map(parseNumber);
    if (lv.length !== 9 || !lv.every(Number.isFinite)) {
      throw new ReadProblem('syntax', `Lattice="${latticeText}" should hold 9 numbers`, commentLine);
    }
    const pbc = info.get('pbc');
    if (pbc !== undefined) {
      const flags = words(pbc).map((s) => /^(t|true|1)$/i.test(s));
      if (flags.length === 3 && flags.every((f) => !f)) throw new ReadProblem('not-periodic', `pbc="${pbc}": not periodic`, commentLine);
      if (flags.length === 3 && !flags.every((f) => f)) warnings.push(`pbc="${pbc}": treated as periodic in all three directions`);
    }
    const lattice = (() => {
      try {
        return makeLattice([
          [lv[0], lv[1], lv[2]],
          [lv[3], lv[4], lv[5]],
          [lv[6], lv[7], lv[8]],
        ]);
      } catch (e) {
        if (e instanceof ReadProblem) throw new ReadProblem(e.code, e.reason, commentLine);
        throw e;
      }
    })();
    const props = parseProperties(info.get('properties') ?? 'species:S:1:pos:R:3', commentLine);
    const spCol = props.find((p) => p.name === 'species' && p.type === 's') ?? props.find((p) => p.name === 'z' && p.type === 'i');
    const posCol = props.find((p) => p.name === 'pos' && p.type === 'r' && p.count === 3);
    if (spCol === undefined || posCol === undefined) {
      throw new ReadProblem('syntax', 'Properties= must contain species:S:1 (or Z:I:1) and pos:R:3', commentLine);
    }
    const width = props.reduce((a, p) => a + p.count, 0);
    const species: number[] = [];
    const cart: Vec3[] = [];
    for (let k = 0; k < natoms; k++) {
      const idx = li + 2 + k;
      if (idx >= lines.length || lines[idx].trim() === '') {
        throw new ReadProblem('truncated', `frame ${frames.length} ends after ${k} of ${natoms} atoms`, idx + 1);
      }
      const t = words(lines[idx]);
      if (t.length < width) throw new ReadProblem('syntax', `line ${idx + 1} has ${t.length} columns, Properties= describes ${width}`, idx + 1);
      const s = t[spCol.offset];
      let z: number | undefined;
      if (spCol.type === 'i' || /^\d+$/.test(s)) z = parseIntStrict(s);
      else z = atomicNumber(s);
      if (z === undefined || !(z >= 1 && z <= 118)) throw new ReadProblem('unknown-element', `species '${s}' names no element`, idx + 1);
      const x = parseNumber(t[posCol.offset]);
      const y = parseNumber(t[posCol.offset + 1]);
      const zz = parseNumber(t[posCol.offset + 2]);
      if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(zz)) {
        throw new ReadProblem('syntax', `line ${idx + 1}: position is not three numbers`, idx + 1);
      }
      species.push(z);
      cart.push([x, y, zz]);
    }
    li += 2 + natoms;
    frames.push({ lattice, species, cart, warnings });
  }
  if (frames.length === 0) throw new ReadProblem('empty', 'no frames', 1);
  return frames.map((f, i) => {
    const name = frames.length === 1 ? stem : `${stem}#${i}`;
    return { name, structure: Structure.fromCartesian(f.lattice, f.species, f.cart, { name }), warnings: f.warnings };
  });
}

/** key=value pairs; values may be "double" or 'single' quoted or {braced}; keys are lower-cased; words without '=' are ignored. */
export function parseKeyValues(line: string): Map<string, string> {
  const out = new Map<string, string>();
  const n = line.length;
  let i = 0;
  while (i < n) {
    while (i < n && /\s/.test(line[i])) i++;
    if (i >= n) break;
    const ks = i;
    while (i < n && line[i] !== '=' && !/\s/.test(line[i])) i++;
    const key = line.slice(ks, i).toLowerCase();
    while (i < n && line[i] === ' ') i++;
    if (line[i] !== '=') continue;
    i++;
    while (i < n && line[i] === ' ') i++;
    let value: string;
    const q = line[i];
    if (q === '"' || q === "'") {
      const end = line.indexOf(q, i + 1);
      if (end < 0) {
        value = line.slice(i + 1);
        i = n;
      } else {
        value = line.slice(i + 1, end);
        i = end + 1;
      }
    } else if (q === '{') {
      const end = line.indexOf('}', i + 1);
      value = end < 0 ? line.slice(i + 1) : line.slice(i + 1, end);
      i = end < 0 ? n : end + 1;
    } else {
      const vs = i;
      while (i < n && !/\s/.test(line[i])) i++;
      value = line.slice(vs, i);
    }
    if (key) out.set(key, value);
  }
  return out;
}

function parseProperties(spec: string, line: number): PropColumn[] {
  const parts = spec.split(':');
  if (parts.length % 3 !== 0) throw new ReadProblem('syntax', `Properties=${spec}: expected name:type:count triples`, line);
  const out: PropColumn[] = [];
  let offset = 0;
  for (let k = 0; k < parts.length; k += 3) {
    const count = parseIntStrict(parts[k + 2]);
    if (!(count >= 1)) throw new ReadProblem('syntax', `Properties=${spec}: bad column count '${parts[k + 2]}'`, line);
    out.push({ name: parts[k].toLowerCase(), type: parts[k + 1].toLowerCase(), count, offset });
    offset += count;
  }
  return out;
}
