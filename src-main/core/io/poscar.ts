/**
 * VASP POSCAR / CONTCAR reader (VASP 5 with a species line; VASP 4 without one, species then taken
 * from the comment line or from names after the coordinates).
 *
 * Scale line: one factor, a negative number (= target cell volume in A^3), or three factors (one per
 * Cartesian axis). Optional 'Selective dynamics' line (flags are ignored). 'Direct' or 'Cartesian'
 * ('C'/'K' first letter = Cartesian, anything else = Direct, as VASP). Velocity and predictor blocks
 * after the positions are ignored. Coordinates are kept as written (not wrapped).
 */
import { Lattice, type Vec3, det3 } from '../crystal/lattice';
import { Structure } from '../crystal/structure';
import { ReadProblem } from './errors';
import { parseIntStrict, parseNumber } from './numbers';
import { elementsInFreeText, speciesFromPoscarName } from './species';
import type { NamedStructure, ResolvedReadOptions } from './types';
import { fileStem, splitLines, words } from './util';
import { elementSymbol } from '../crystal/elements';

export function readPoscar(text: string, file: string, opts: ResolvedReadOptions): NamedStructure[] {
  const lines = splitLines(text);
  const warnings: string[] = [];
  const need = (i: number, what: string): string[] => {
    if (i >= lines.length || (lines[i].trim() === '' && i >= lastNonEmpty(lines))) {
      throw new ReadProblem('truncated', `file ends before the ${what} (line ${i + 1})`, i + 1);
    }
    return words(lines[i]);
  };
  const comment = lines[0] ?? '';

  // scale
  const scaleWords = need(1, 'scale factor');
  const scales: number[] = [];
  for (const w of scaleWords.slice(0, 3)) {
    const v = parseNumber(w);
    if (Number.isNaN(v)) break;
    scales.push(v);
  }
  if (scales.length === 0 || scales.length === 2) {
    throw new ReadProblem('syntax', `line 2 should be the scale factor, found '${lines[1].trim().slice(0, 40)}'`, 2);
  }

  // lattice
  const raw: Vec3[] = [];
  for (let k = 0; k < 3; k++) {
    const w = need(2 + k, `lattice vector ${k + 1}`);
    const v = w.slice(0, 3).map(parseNumber);
    if (v.length < 3 || !v.every(Number.isFinite)) {
      throw new ReadProblem('syntax', `line ${3 + k} should hold three numbers (lattice vector ${k + 1})`, 3 + k);
    }
    raw.push([v[0], v[1], v[2]]);
  }
  let matrix: Vec3[];
  let posScale: Vec3;
  if (scales.length === 3) {
    if (!scales.every((s) => s > 0)) throw new ReadProblem('syntax', 'three scale factors must all be positive', 2);
    matrix = raw.map((r) => [r[0] * scales[0], r[1] * scales[1], r[2] * scales[2]] as Vec3);
    posScale = [scales[0], scales[1], scales[2]];
  } else {
    let s = scales[0];
    if (s === 0) throw new ReadProblem('degenerate-cell', 'the scale factor is 0', 2);
    if (s < 0) {
      const v0 = Math.abs(det3(raw as unknown as readonly [Vec3, Vec3, Vec3]));
      if (!(v0 > 0)) throw new ReadProblem('degenerate-cell', 'the lattice vectors have no volume', 3);
      s = Math.cbrt(-s / v0);
    }
    matrix = raw.map((r) => [r[0] * s, r[1] * s, r[2] * s] as Vec3);
    posScale = [s, s, s];
  }
  const lattice = makeLattice(matrix);

  // species / counts
  let li = 5;
  let w = need(li, 'species names or atom counts');
  if (w.length === 0) throw new ReadProblem('syntax', `line ${li + 1} should hold species names or atom counts`, li + 1);
  let names: string[] | null = null;
  if (Number.isNaN(parseIntStrict(w[0]))) {
    names = w;
    li++;
    w = need(li, 'atom counts');
  }
  const counts: number[] = [];
  for (const t of w) {
    const v = parseIntStrict(t);
    if (Number.isNaN(v)) break;
    if (v < 0) throw new ReadProblem('syntax', `negative atom count '${t}'`, li + 1);
    counts.push(v);
  }
  if (counts.length === 0) throw new ReadProblem('syntax', `line ${li + 1} should hold the atom counts`, li + 1);
  const total = counts.reduce((a, b) => a + b, 0);
  if (total === 0) throw new ReadProblem('missing-sites', 'the atom counts add up to 0', li + 1);
  if (total > opts.maxSites) throw new ReadProblem('too-large', `${total} atoms is more than the limit of ${opts.maxSites}`, li + 1);
  let zs: number[] | null = null;
  if (names !== null) {
    if (names.length < counts.length) {
      throw new ReadProblem('syntax', `${names.length} species names but ${counts.length} counts`, li);
    }
    zs = [];
    for (let k = 0; k < counts.length; k++) {
      const z = speciesFromPoscarName(names[k]);
      if (z === undefined) throw new ReadProblem('unknown-element', `species '${names[k]}' names no element`, li);
      zs.push(z);
    }
  }
  li++;

  // selective dynamics, coordinate mode
  let mode = need(li, 'coordinate mode line (Direct / Cartesian)');
  let selective = false;
  const firstChar = (lines[li].trim()[0] ?? '').toLowerCase();
  if (firstChar === 's') {
    selective = true;
    li++;
    mode = need(li, 'coordinate mode line (Direct / Cartesian)');
  }
  const m0 = (mode[0] ?? '').charAt(0).toLowerCase();
  const cartesian = m0 === 'c' || m0 === 'k';
  if (m0 !== 'd' && !cartesian) {
    if (!Number.isNaN(parseNumber(mode[0] ?? ''))) {
      throw new ReadProblem('syntax', `line ${li + 1} should be 'Direct' or 'Cartesian', found coordinates`, li + 1);
    }
    warnings.push(`coordinate mode '${mode[0] ?? ''}' read as Direct`);
  }
  li++;

  // positions
  const coords: Vec3[] = [];
  const trailing: (string | undefined)[] = [];
  let badFlags = 0;
  for (let k = 0; k < total; k++) {
    const idx = li + k;
    if (idx >= lines.length || lines[idx].trim() === '') {
      if (idx >= lastNonEmpty(lines)) {
        throw new ReadProblem('truncated', `file ends after ${k} of ${total} atom positions`, idx + 1);
      }
      throw new ReadProblem('syntax', `line ${idx + 1} should hold atom position ${k + 1} of ${total}`, idx + 1);
    }
    const t = words(lines[idx]);
    const x = parseNumber(t[0] ?? '');
    const y = parseNumber(t[1] ?? '');
    const z = parseNumber(t[2] ?? '');
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new ReadProblem('syntax', `line ${idx + 1} should hold three coordinates (atom ${k + 1} of ${total})`, idx + 1);
    }
    let rest = 3;
    if (selective) {
      let flags = 0;
      while (flags < 3 && rest < t.length && /^[TtFf]$/.test(t[rest])) {
        flags++;
        rest++;
      }
      if (flags !== 3) badFlags++;
    }
    trailing.push(t[rest]);
    coords.push(cartesian ? [x * posScale[0], y * posScale[1], z * posScale[2]] : [x, y, z]);
  }
  if (badFlags > 0) warnings.push(`${badFlags} position line(s) lack the three selective-dynamics flags (flags are ignored)`);

  // species per site
  const species: number[] = new Array<number>(total);
  if (zs === null) {
    const fromComment = elementsInFreeText(comment);
    if (fromComment.length === counts.length) {
      zs = fromComment;
      warnings.push(`VASP 4 file: species ${fromComment.map(elementSymbol).join(' ')} taken from the comment line`);
    } else {
      const perSite = trailing.map((s) => (s === undefined ? undefined : speciesFromPoscarName(s)));
      if (perSite.every((z) => z !== undefined)) {
        for (let k = 0; k < total; k++) species[k] = perSite[k]!;
        warnings.push('VASP 4 file: species taken from the names after the coordinates');
      } else {
        throw new ReadProblem(
          'missing-species',
          `VASP 4 file without a species line, and the comment line '${comment.trim().slice(0, 60)}' does not name ${counts.length} element(s)`,
          6,
        );
      }
    }
  }
  if (zs !== null) {
    let k = 0;
    for (let j = 0; j < counts.length; j++) for (let c = 0; c < counts[j]; c++) species[k++] = zs[j];
  }

  const name = fileStem(file);
  let structure: Structure;
  if (cartesian) {
    structure = Structure.fromCartesian(lattice, species, coords, { name });
  } else {
    structure = Structure.fromFractional(lattice, species, coords, { name });
  }
  return [{ name, structure, warnings }];
}

function lastNonEmpty(lines: string[]): number {
  for (let i = lines.length - 1; i >= 0; i--) if (lines[i].trim() !== '') return i;
  return -1;
}

export function makeLattice(matrix: readonly Vec3[]): Lattice {
  const [a, b, c] = matrix;
  const v = Math.abs(det3([a, b, c]));
  const la = Math.hypot(...a);
  const lb = Math.hypot(...b);
  const lc = Math.hypot(...c);
  if (!(v > 1e-6 * la * lb * lc) || !Number.isFinite(v)) {
    throw new ReadProblem('degenerate-cell', `the lattice vectors are (nearly) linearly dependent: cell volume ${v.toPrecision(3)} A^3`, 3);
  }
  try {
    return Lattice.fromMatrix(matrix);
  } catch (e) {
    throw new ReadProblem('degenerate-cell', (e as Error).message, 3);
  }
}
