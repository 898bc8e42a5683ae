/**
 * Structure -> CIF 1.1 text in P1: the cell, the identity as the only symmetry operation, and one
 * atom-site row per site (type symbol, label, fractional x y z, occupancy 1). With `spaceGroup`, the sites
 * are written as an asymmetric unit under a space-group name only (no operation list).
 *
 * The output is what our reader (./cif-structure.ts) reads back to the same structure: the same cell
 * parameters (the reader orients the cell as Lattice.fromParameters does, so a lattice built by
 * fromMatrix in another orientation comes back rotated, with the same fractional coordinates), the same
 * species in the same order, the same labels and integer oxidation states.
 */
import { elementSymbol } from '../crystal/elements';
import { wrap01, type Structure } from '../crystal/structure';

export interface WriteCifOptions {
  /** Data block name (`data_<name>`). Whitespace and characters CIF does not allow are replaced by `_`. */
  blockName: string;
  /** Free text written as `#` comment lines before the data block (one comment line per line of text). */
  comment?: string;
  /** Decimals of fractional coordinates (default 8). */
  coordinateDecimals?: number;
  /** Decimals of cell lengths (Angstrom) and angles (degrees) (default 8). */
  cellDecimals?: number;
  /**
   * Write the sites as the asymmetric unit of this space group, named only (H-M symbol, Hall symbol and/or IT
   * number, no operation list), as older ICSD / COD files do. Default: P1 with the identity operation.
   */
  spaceGroup?: { hermannMauguin?: string; hall?: string; number?: number };
}

/** Characters a CIF 1.1 data block name may not contain (whitespace, and non-printable or non-ASCII). */
const BAD_NAME_CHAR = /[^\x21-\x7e]/g;

/** A CIF data block name made from free text: never empty, no whitespace, at most 75 characters. */
export function cifBlockName(name: string): string {
  const cleaned = name.trim().replace(BAD_NAME_CHAR, '_').slice(0, 75);
  return cleaned === '' ? 'structure' : cleaned;
}

/** Labels that need no quoting and cannot be mistaken for CIF syntax. */
const PLAIN_LABEL = /^[A-Za-z0-9][A-Za-z0-9_.+\-()/*]*$/;

function siteLabels(structure: Structure): string[] {
  const given = structure.sites.map((s) => s.label);
  if (given.every((l): l is string => typeof l === 'string' && l.length <= 64 && PLAIN_LABEL.test(l)) && new Set(given).size === given.length) {
    return given;
  }
  const counts = new Map<number, number>();
  return structure.sites.map((s) => {
    const k = (counts.get(s.z) ?? 0) + 1;
    counts.set(s.z, k);
    return `${elementSymbol(s.z)}${k}`;
  });
}

function typeSymbol(z: number, oxidation: number | undefined): string {
  const el = elementSymbol(z);
  if (oxidation === undefined || !Number.isInteger(oxidation)) return el;
  return `${el}${Math.abs(oxidation)}${oxidation < 0 ? '-' : '+'}`;
}

/** Fixed-point text of a fractional coordinate in [0, 1): a value that rounds to 1 is written as 0. */
function fractionText(x: number, decimals: number): string {
  const w = wrap01(x);
  const s = w.toFixed(decimals);
  return Number(s) >= 1 ? (0).toFixed(decimals) : s;
}

function fixed(x: number, decimals: number): string {
  const s = x.toFixed(decimals);
  return /^-0\.?0*$/.test(s) ? s.slice(1) : s;
}

function quote(s: string): string {
  if (!s.includes("'")) return `'${s}'`;
  if (!s.includes('"')) return `"${s}"`;
  return `'${s.replace(/'/g, '')}'`;
}

/** CIF 1.1 text of one structure, in P1 unless `spaceGroup` names one (ends with a newline). */
export function writeCif(structure: Structure, options: WriteCifOptions): string {
  const cd = options.coordinateDecimals ?? 8;
  const ld = options.cellDecimals ?? 8;
  if (!(Number.isInteger(cd) && cd >= 4 && cd <= 15)) throw new RangeError(`coordinateDecimals must be an integer from 4 to 15, got ${cd}`);
  if (!(Number.isInteger(ld) && ld >= 3 && ld <= 15)) throw new RangeError(`cellDecimals must be an integer from 3 to 15, got ${ld}`);
  const lines: string[] = ['#\\#CIF_1.1'];
  if (options.comment !== undefined) {
    for (const line of options.comment.split(/\r?\n/)) lines.push(line === '' ? '#' : `# ${line.replace(/[^\x20-\x7e]/g, '?')}`);
  }
  lines.push(`data_${cifBlockName(options.blockName)}`);

  const [a, b, c] = structure.lattice.lengthsAngstrom;
  const [alpha, beta, gamma] = structure.lattice.anglesDegrees;
  const comp = structure.composition();
  const g = [...comp.values()].reduce((acc, n) => gcd(acc, n), 0);
  const items: [string, string][] = [
    ['_chemical_formula_structural', structure.reducedFormula()],
    ['_chemical_formula_sum', quote(structure.formula())],
    ['_cell_length_a', fixed(a, ld)],
    ['_cell_length_b', fixed(b, ld)],
    ['_cell_length_c', fixed(c, ld)],
    ['_cell_angle_alpha', fixed(alpha, ld)],
    ['_cell_angle_beta', fixed(beta, ld)],
    ['_cell_angle_gamma', fixed(gamma, ld)],
    ['_cell_volume', fixed(structure.lattice.volumeAngstrom3, Math.min(ld, 6))],
    ['_cell_formula_units_Z', String(g)],
  ];
  const sg = options.spaceGroup;
  if (sg === undefined) items.push(['_symmetry_space_group_name_H-M', "'P 1'"], ['_symmetry_Int_Tables_number', '1']);
  else {
    if (sg.hermannMauguin !== undefined) items.push(['_symmetry_space_group_name_H-M', quote(sg.hermannMauguin)]);
    if (sg.hall !== undefined) items.push(['_symmetry_space_group_name_Hall', quote(sg.hall)]);
    if (sg.number !== undefined) items.push(['_symmetry_Int_Tables_number', String(sg.number)]);
  }
  const width = Math.max(...items.map(([k]) => k.length)) + 3;
  for (const [k, v] of items) lines.push(`${k.padEnd(width)}${v}`);

  if (sg === undefined) lines.push('loop_', '_symmetry_equiv_pos_site_id', '_symmetry_equiv_pos_as_xyz', "1 'x, y, z'");

  const labels = siteLabels(structure);
  const types = structure.sites.map((s) => typeSymbol(s.z, s.oxidationState));
  const tw = Math.max(...types.map((t) => t.length));
  const lw = Math.max(...labels.map((l) => l.length));
  lines.push(
    'loop_',
    '_atom_site_type_symbol',
    '_atom_site_label',
    '_atom_site_fract_x',
    '_atom_site_fract_y',
    '_atom_site_fract_z',
    '_atom_site_occupancy',
  );
  structure.sites.forEach((s, i) => {
    const xyz = s.frac.map((v) => fractionText(v, cd)).join(' ');
    lines.push(`${types[i].padEnd(tw)} ${labels[i].padEnd(lw)} ${xyz} 1`);
  });
  return lines.join('\n') + '\n';
}

function gcd(x: number, y: number): number {
  while (y) [x, y] = [y, x % y];
  return x;
}
