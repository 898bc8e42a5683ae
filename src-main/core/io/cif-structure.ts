/**
 * CIF data block -> Structure: cell, atom sites, symmetry expansion, occupancy policy.
 * Decisions (tolerances, symbols, partial occupancy) are documented in docs/structure-readers.md.
 */
import { Lattice, type Vec3 } from '../crystal/lattice';
import { Structure } from '../crystal/structure';
import { ReadProblem, StructureReadError, toReadError } from './errors';
import { type CifBlock, type CifColumn, getColumn, getScalar, parseCifSyntax } from './cif-syntax';
import { isCifNull, parseNumber } from './numbers';
import { expandAndMerge } from './site-merge';
import { speciesFromCifSymbol } from './species';
import { IDENTITY, composeOps, parseSymOp, uniqueOps } from './symops';
import {
  type CellShape,
  type SpaceGroupSetting,
  findByHall,
  findByHermannMauguin,
  findByNumber,
  operationsForHall,
  otherOriginChoice,
  sameOperationSet,
} from '../crystal/space-group';
import type { NamedStructure, ResolvedReadOptions } from './types';
import { fileStem } from './util';

/** A site whose occupancies sum to within this of 1 is fully occupied; sums up to 1 + this are accepted. */
export const OCCUPANCY_TOLERANCE = 0.01;
/** 'majority' policy: sites with a total occupancy below this are treated as vacant and dropped. */
export const MAJORITY_MIN_OCCUPANCY = 0.5;

const EXPLICIT_OP_TAGS = ['_symmetry_equiv_pos_as_xyz', '_space_group_symop_operation_xyz'] as const;
const HM_TAGS = ['_symmetry_space_group_name_h-m', '_space_group_name_h-m_alt'] as const;
const HALL_TAGS = ['_symmetry_space_group_name_hall', '_space_group_name_hall'] as const;
const IT_TAGS = ['_symmetry_int_tables_number', '_space_group_it_number'] as const;
const SSG_TAGS = ['_space_group_symop_ssg_operation_algebraic', '_space_group_symop_magn_ssg_operation_algebraic'] as const;

/** Parse CIF text. Throws StructureReadError only when no block yields a structure. */
export function readCif(text: string, file: string, opts: ResolvedReadOptions): NamedStructure[] {
  let doc;
  try {
    doc = parseCifSyntax(text);
  } catch (e) {
    throw toReadError(e, file);
  }
  if (doc.blocks.length === 0) {
    throw new StructureReadError({ code: 'syntax', file, reason: 'no data_ block found: not a CIF file', line: 1 });
  }
  const out: NamedStructure[] = [];
  const errors: StructureReadError[] = [];
  const seen = new Map<string, number>();
  for (const block of doc.blocks) {
    try {
      const ns = blockToStructure(block, file, opts);
      const k = (seen.get(ns.name) ?? 0) + 1;
      seen.set(ns.name, k);
      if (k > 1) {
        ns.warnings.push(`another data block is also named '${ns.name}': this one is returned as '${ns.name}#${k}'`);
        ns.name = `${ns.name}#${k}`;
      }
      out.push(ns);
    } catch (e) {
      errors.push(toReadError(e, file, block.name));
    }
  }
  if (out.length === 0) {
    if (errors.length === 1) throw errors[0];
    // report the most informative failure: one from a block that looked like a structure
    const main = errors.find((e) => e.code !== 'missing-sites' && e.code !== 'missing-cell') ?? errors[errors.length - 1];
    const others = errors.filter((e) => e !== main).map((e) => `data_${e.block ?? ''}${e.line ? ` (line ${e.line})` : ''}: ${e.reason}`);
    throw new StructureReadError({
      code: main.code,
      file,
      block: main.block,
      line: main.line,
      reason: `${main.reason}${others.length ? ` (no block of ${errors.length} yields a structure; also ${others.join('; ')})` : ''}`,
      blockErrors: errors,
    });
  }
  if (errors.length > 0 || doc.warnings.length > 0) {
    const extra = [
      ...doc.warnings,
      ...errors.map((e) => `skipped block data_${e.block ?? ''}${e.line ? ` (line ${e.line})` : ''} [${e.code}]: ${e.reason}`),
    ];
    for (const s of out) s.warnings.push(...extra);
  }
  return out;
}

interface Row {
  z: number;
  occ: number;
  label: string;
  line: number;
  oxidation: number | undefined;
}

function blockToStructure(block: CifBlock, file: string, opts: ResolvedReadOptions): NamedStructure {
  const warnings: string[] = [...block.warnings];
  if (block.truncated) throw new ReadProblem('truncated', block.truncated.reason, block.truncated.line);
  const items = block.items;
  if (block.dottedAtomSite && (items.has('_atom_site_group_pdb') || items.has('_atom_site_label_atom_id') || items.has('_atom_site_auth_seq_id'))) {
    throw new ReadProblem('unsupported-format', 'macromolecular CIF (mmCIF / PDBx) is not supported', block.line);
  }

  const hasFract = items.has('_atom_site_fract_x');
  const hasCart = !hasFract && items.has('_atom_site_cartn_x');
  const hasCell = items.has('_cell_length_a') || items.has('_cell_length_b') || items.has('_cell_length_c');
  if (!hasFract && !hasCart) {
    throw new ReadProblem(
      'missing-sites',
      hasCell
        ? 'no atom sites (_atom_site_fract_x/y/z or _atom_site_Cartn_x/y/z)'
        : 'no atom sites and no cell: not a structure block',
      block.line,
    );
  }

  // ---- cell
  const lattice = readCell(block, warnings);

  // ---- atom sites
  const px = hasFract ? '_atom_site_fract_' : '_atom_site_cartn_';
  const cx = column(block, px + 'x', true)!;
  const cy = column(block, px + 'y', true)!;
  const cz = column(block, px + 'z', true)!;
  const nRows = cx.values.length;
  const labels = column(block, '_atom_site_label', false, nRows);
  const types = column(block, '_atom_site_type_symbol', false, nRows);
  const occs = column(block, '_atom_site_occupancy', false, nRows);
  if (cy.values.length !== nRows || cz.values.length !== nRows) {
    throw new ReadProblem('syntax', `atom-site coordinate columns have different lengths (${nRows}, ${cy.values.length}, ${cz.values.length})`, cx.lines[0]);
  }
  if (nRows === 0) throw new ReadProblem('missing-sites', 'the atom-site loop has no rows', cx.loop?.line ?? block.line);
  const oxByType = readOxidationNumbers(block);

  const rows: Row[] = [];
  const fx: number[] = [];
  const fy: number[] = [];
  const fz: number[] = [];
  let zeroOcc = 0;
  let nullRows = 0;
  let guessedLabels = 0;
  let water = 0;
  let cartInv: number[] | null = null;
  if (hasCart) {
    cartInv = cartesianToFractional(block, lattice);
    warnings.push('coordinates read from _atom_site_Cartn_x/y/z (Cartesian, CIF orthogonalisation: a along x, b in the xy plane)');
  }
  for (let i = 0; i < nRows; i++) {
    const line = cx.lines[i] ?? cx.lines[0] ?? block.line;
    const label = labels ? labels.values[i] : '';
    let occ = 1;
    if (occs) {
      const s = occs.values[i];
      if (!isCifNull(s)) {
        occ = parseNumber(s);
        if (!Number.isFinite(occ) || occ < 0) throw new ReadProblem('syntax', `atom site '${label}': occupancy '${s}' is not a non-negative number`, line);
        if (occ > 1 + OCCUPANCY_TOLERANCE) throw new ReadProblem('syntax', `atom site '${label}': occupancy ${s} is more than 1`, line);
        if (occ === 0) {
          zeroOcc++;
          continue;
        }
      }
    }
    if (isCifNull(cx.values[i]) && isCifNull(cy.values[i]) && isCifNull(cz.values[i])) {
      nullRows++;
      continue;
    }
    let sym = types ? types.values[i] : '';
    let fromLabel = false;
    if (sym === '' || isCifNull(sym)) {
      sym = label;
      fromLabel = true;
    }
    const sp = speciesFromCifSymbol(sym);
    if (sp === undefined) {
      throw new ReadProblem(
        'unknown-element',
        `atom site '${label}': ${fromLabel ? 'label' : 'type symbol'} '${sym}' names no element`,
        line,
      );
    }
    if (fromLabel && sp.guessed) guessedLabels++;
    if (sp.z === 8 && /^wat/i.test(sym)) water++;
    let x = parseNumber(cx.values[i]);
    let y = parseNumber(cy.values[i]);
    let z = parseNumber(cz.values[i]);
    if (!Number.isFinite(x) || !Number.isFinite(y) || !Number.isFinite(z)) {
      throw new ReadProblem(
        'syntax',
        `atom site '${label}': coordinates '${cx.values[i]}', '${cy.values[i]}', '${cz.values[i]}' are not all numbers`,
        line,
      );
    }
    if (cartInv !== null) {
      const m = cartInv;
      const t = [x, y, z];
      x = t[0] * m[0] + t[1] * m[3] + t[2] * m[6];
      y = t[0] * m[1] + t[1] * m[4] + t[2] * m[7];
      z = t[0] * m[2] + t[1] * m[5] + t[2] * m[8];
    } else {
      x = snapThirds(x);
      y = snapThirds(y);
      z = snapThirds(z);
    }
    let ox = sp.oxidation;
    if (ox === undefined && oxByType !== null && types) ox = oxByType.get(types.values[i]);
    rows.push({ z: sp.z, occ, label, line, oxidation: ox });
    fx.push(x);
    fy.push(y);
    fz.push(z);
  }
  if (zeroOcc > 0) warnings.push(`${zeroOcc} atom-site row(s) with occupancy 0 dropped`);
  if (guessedLabels > 0) warnings.push(`element of ${guessedLabels} atom site(s) guessed from labels (no _atom_site_type_symbol)`);
  if (water > 0) warnings.push(`${water} water pseudo-atom(s) ('Wat...') read as O without their hydrogens`);
  if (nullRows > 0) warnings.push(`${nullRows} atom-site row(s) without coordinates ('?') skipped`);
  if (rows.length === 0) {
    throw new ReadProblem(
      'missing-sites',
      nullRows > 0 ? 'no atom site has coordinates (all are ? or .)' : 'every atom-site row has occupancy 0',
      cx.lines[0],
    );
  }

  // ---- symmetry
  const ops = readSymmetry(block, warnings, lattice);

  // ---- expansion
  const exp = expandAndMerge(
    rows.length,
    fx,
    fy,
    fz,
    ops,
    lattice.matrix,
    opts.mergeToleranceAngstrom,
    lattice.perpendicularWidthsAngstrom() as [number, number, number],
    opts.maxSites,
  );

  // ---- occupancy
  const species: number[] = [];
  const frac: Vec3[] = [];
  const siteLabels: string[] = [];
  const oxStates: (number | undefined)[] = [];
  let anyOx = false;
  let partialSites = 0;
  let firstPartial = '';
  let firstPartialLine = 0;
  let droppedVacant = 0;
  let redundant = 0;
  const zs: number[] = [];
  const zo: number[] = [];
  const zrow: number[] = [];
  for (let s = 0; s < exp.count; s++) {
    const c0 = exp.contribStart[s];
    const c1 = exp.contribStart[s + 1];
    let keep: Row;
    if (c1 - c0 === 1) {
      keep = rows[exp.contribRow[c0]];
      if (keep.occ < 1 - OCCUPANCY_TOLERANCE) {
        partialSites++;
        if (!firstPartial) {
          firstPartial = `'${keep.label}' (line ${keep.line}) has occupancy ${keep.occ}`;
          firstPartialLine = keep.line;
        }
        if (opts.partialOccupancy === 'majority' && keep.occ < MAJORITY_MIN_OCCUPANCY) {
          droppedVacant++;
          continue;
        }
      }
    } else {
      // several rows on one position: combine by element
      zs.length = 0;
      zo.length = 0;
      zrow.length = 0;
      let allFull = true;
      for (let k = c0; k < c1; k++) {
        const r = rows[exp.contribRow[k]];
        const j = zs.indexOf(r.z);
        if (j < 0) {
          zs.push(r.z);
          zo.push(r.occ);
          zrow.push(exp.contribRow[k]);
        } else {
          zo[j] += r.occ;
          if (r.occ > rows[zrow[j]].occ) zrow[j] = exp.contribRow[k];
        }
        if (r.occ < 1 - OCCUPANCY_TOLERANCE) allFull = false;
      }
      let total = 0;
      for (let j = 0; j < zs.length; j++) {
        if (zo[j] > 1 + OCCUPANCY_TOLERANCE && zs.length === 1 && allFull) {
          // the same atom listed twice (symmetry-equivalent rows): keep one
          redundant += c1 - c0 - 1;
          zo[j] = 1;
        }
        total += zo[j];
      }
      if (total > 1 + OCCUPANCY_TOLERANCE) {
        const desc: string[] = [];
        for (let k = c0; k < c1 && desc.length < 4; k++) {
          const r = rows[exp.contribRow[k]];
          desc.push(`'${r.label}' (line ${r.line}, occupancy ${r.occ})`);
        }
        throw new ReadProblem(
          'overlapping-sites',
          `atom sites ${desc.join(', ')} fall on the same position (within ${opts.mergeToleranceAngstrom} A) and their occupancies sum to ${round4(total)} > 1`,
          rows[exp.contribRow[c0]].line,
        );
      }
      let best = 0;
      for (let j = 1; j < zs.length; j++) if (zo[j] > zo[best] + 1e-12) best = j;
      keep = rows[zrow[best]];
      if (zs.length > 1 || zo[best] < 1 - OCCUPANCY_TOLERANCE) {
        partialSites++;
        if (!firstPartial) {
          const parts = zs.map((z, j) => `${rows[zrow[j]].label}: ${round4(zo[j])}`);
          firstPartial = `the site of '${keep.label}' (line ${keep.line}) is shared: ${parts.join(', ')}`;
          firstPartialLine = keep.line;
        }
        if (opts.partialOccupancy === 'majority' && total < MAJORITY_MIN_OCCUPANCY) {
          droppedVacant++;
          continue;
        }
      }
    }
    species.push(keep.z);
    frac.push([exp.frac[3 * s], exp.frac[3 * s + 1], exp.frac[3 * s + 2]]);
    siteLabels.push(keep.label);
    oxStates.push(keep.oxidation);
    if (keep.oxidation !== undefined) anyOx = true;
  }
  if (redundant > 0) warnings.push(`${redundant} atom-site row(s) repeat another row's position (symmetry-equivalent copies); kept once`);
  if (partialSites > 0) {
    if (opts.partialOccupancy === 'refuse') {
      throw new ReadProblem(
        'partial-occupancy',
        `${partialSites} of ${exp.count} sites are partially occupied or mixed (e.g. ${firstPartial}); read with partialOccupancy: 'majority' to keep the majority species of each site`,
        firstPartialLine,
      );
    }
    warnings.push(
      `partial occupancy: ${partialSites} site(s) reduced to their majority species` +
        (droppedVacant > 0 ? `, ${droppedVacant} mostly vacant site(s) (occupancy < ${MAJORITY_MIN_OCCUPANCY}) dropped` : ''),
    );
  }
  if (species.length === 0) throw new ReadProblem('missing-sites', 'no site is left after dropping vacant sites', rows[0].line);

  const name = block.name !== '' ? block.name : fileStem(file);
  const structure = Structure.fromFractional(lattice, species, frac, {
    name,
    ...(opts.keepLabels ? { labels: siteLabels } : {}),
    ...(anyOx ? { oxidationStates: oxStates } : {}),
  });
  return { name, structure, warnings };
}

function round4(x: number): number {
  return Math.round(x * 1e4) / 1e4;
}

/**
 * 0.3333 -> 1/3 and 0.6667 -> 2/3 with pymatgen's rule (relative difference below 1e-4, i.e. within 3.3e-5
 * of 1/3 and 6.7e-5 of 2/3), so that symmetry copies coincide exactly and graphs match the reference.
 */
function snapThirds(v: number): number {
  if (Math.abs(1 - v * 3) < 1e-4) return 1 / 3;
  if (Math.abs(1 - v * 1.5) < 1e-4) return 2 / 3;
  return v;
}

function column(block: CifBlock, tag: string, required: boolean, expectRows?: number): CifColumn | undefined {
  const col = getColumn(block, tag);
  if (col === undefined) {
    if (required) throw new ReadProblem('missing-sites', `${tag} is missing`, block.line);
    return undefined;
  }
  if (col.loop !== null && !col.loop.complete) {
    const lp = col.loop;
    throw new ReadProblem(
      'syntax',
      `the loop at line ${lp.line} has ${lp.values.length} values, not a multiple of its ${lp.tags.length} tags (a row is incomplete)`,
      lp.line,
    );
  }
  if (expectRows !== undefined && col.values.length !== expectRows) {
    throw new ReadProblem('syntax', `${tag} has ${col.values.length} values but the coordinates have ${expectRows}`, col.lines[0]);
  }
  return col;
}

function readCell(block: CifBlock, warnings: string[]): Lattice {
  const len = (tag: string): number => {
    const s = getScalar(block, tag);
    if (s === undefined) throw new ReadProblem('missing-cell', `cell length ${tag} is missing`, block.line);
    if (isCifNull(s.value)) throw new ReadProblem('missing-cell', `cell length ${tag} is unknown ('${s.value}')`, s.line);
    const v = parseNumber(s.value);
    if (Number.isNaN(v)) throw new ReadProblem('syntax', `cell length ${tag} '${s.value}' is not a number`, s.line);
    if (!(v > 0) || !Number.isFinite(v)) throw new ReadProblem('degenerate-cell', `cell length ${tag} = ${s.value} is not positive`, s.line);
    return v;
  };
  const ang = (tag: string): number => {
    const s = getScalar(block, tag);
    if (s === undefined || isCifNull(s.value)) {
      warnings.push(`${tag} missing; 90 degrees assumed`);
      return 90;
    }
    const v = parseNumber(s.value);
    if (Number.isNaN(v)) throw new ReadProblem('syntax', `cell angle ${tag} '${s.value}' is not a number`, s.line);
    if (!(v > 0 && v < 180)) throw new ReadProblem('degenerate-cell', `cell angle ${tag} = ${s.value} is not between 0 and 180 degrees`, s.line);
    return v;
  };
  const a = len('_cell_length_a');
  const b = len('_cell_length_b');
  const c = len('_cell_length_c');
  const al = ang('_cell_angle_alpha');
  const be = ang('_cell_angle_beta');
  const ga = ang('_cell_angle_gamma');
  const D = Math.PI / 180;
  const ca = Math.cos(al * D);
  const cb = Math.cos(be * D);
  const cg = Math.cos(ga * D);
  const disc = 1 - ca * ca - cb * cb - cg * cg + 2 * ca * cb * cg;
  const line = getScalar(block, '_cell_angle_alpha')?.line ?? getScalar(block, '_cell_length_a')?.line;
  if (!(disc > 1e-8)) {
    throw new ReadProblem('degenerate-cell', `cell angles ${al}, ${be}, ${ga} degrees give no volume (impossible or flat cell)`, line);
  }
  try {
    return Lattice.fromParameters(a, b, c, al, be, ga);
  } catch (e) {
    throw new ReadProblem('degenerate-cell', `cell ${a} ${b} ${c} ${al} ${be} ${ga}: ${(e as Error).message}`, line);
  }
}

/** Inverse of the Cartesian frame (rows = a, b, c in CIF's default orthogonalisation, or the file's matrix). */
function cartesianToFractional(block: CifBlock, lattice: Lattice): number[] {
  // explicit matrix: cart = T . frac (column vectors)
  const t: number[] = [];
  for (let i = 1; i <= 3; i++)
    for (let j = 1; j <= 3; j++) {
      const s = getScalar(block, `_atom_sites_cartn_tran_matrix_${i}${j}`);
      if (s !== undefined) t.push(parseNumber(s.value));
    }
  let rows: number[];
  if (t.length === 9 && t.every(Number.isFinite)) {
    // rows of the frame (lattice vectors) are columns of T
    rows = [t[0], t[3], t[6], t[1], t[4], t[7], t[2], t[5], t[8]];
  } else {
    const [a, b, c] = lattice.lengthsAngstrom;
    const [al, be, ga] = lattice.anglesDegrees;
    const D = Math.PI / 180;
    const ca = Math.cos(al * D);
    const cb = Math.cos(be * D);
    const cg = Math.cos(ga * D);
    const sg = Math.sin(ga * D);
    const cy = (ca - cb * cg) / sg;
    const czz = Math.sqrt(Math.max(0, 1 - cb * cb - cy * cy));
    rows = [a, 0, 0, b * cg, b * sg, 0, c * cb, c * cy, c * czz];
  }
  const inv = invert3(rows);
  if (inv === null) throw new ReadProblem('degenerate-cell', 'the Cartesian transformation matrix is singular', block.line);
  return inv;
}

function invert3(m: number[]): number[] | null {
  const [a, b, c, d, e, f, g, h, i] = m;
  const A = e * i - f * h;
  const B = -(d * i - f * g);
  const C = d * h - e * g;
  const det = a * A + b * B + c * C;
  if (!Number.isFinite(det) || Math.abs(det) < 1e-12) return null;
  const k = 1 / det;
  return [A * k, -(b * i - c * h) * k, (b * f - c * e) * k, B * k, (a * i - c * g) * k, -(a * f - c * d) * k, C * k, -(a * h - b * g) * k, (a * e - b * d) * k];
}

function readOxidationNumbers(block: CifBlock): Map<string, number> | null {
  const sym = getColumn(block, '_atom_type_symbol');
  const ox = getColumn(block, '_atom_type_oxidation_number');
  if (sym === undefined || ox === undefined || sym.values.length !== ox.values.length) return null;
  const m = new Map<string, number>();
  for (let i = 0; i < sym.values.length; i++) {
    const v = parseNumber(ox.values[i]);
    if (Number.isFinite(v)) m.set(sym.values[i], v);
  }
  return m.size > 0 ? m : null;
}

function readOps(block: CifBlock, tag: string, magnetic: boolean): (readonly number[])[] | null {
  const col = getColumn(block, tag);
  if (col === undefined) return null;
  const ops: (readonly number[])[] = [];
  for (let i = 0; i < col.values.length; i++) {
    const s = col.values[i];
    if (isCifNull(s)) continue;
    ops.push(parseSymOp(s, col.lines[i] ?? col.lines[0], magnetic));
  }
  return ops.length > 0 ? ops : null;
}

/**
 * The operations to apply: the explicit list when there is one (checked against any space-group symbol, a
 * mismatch is a warning); else the space group named by Hall symbol, H-M symbol or IT number; else P1 with a
 * warning.
 */
function readSymmetry(block: CifBlock, warnings: string[], cell: CellShape): (readonly number[])[] {
  let explicit: (readonly number[])[] | null = null;
  let explicitTag = '';
  for (const tag of EXPLICIT_OP_TAGS) {
    explicit = readOps(block, tag, false);
    if (explicit !== null) {
      explicitTag = tag;
      break;
    }
  }
  if (explicit === null) {
    const magn = readOps(block, '_space_group_symop_magn_operation_xyz', true);
    if (magn !== null) {
      const cent = readOps(block, '_space_group_symop_magn_centering_xyz', true) ?? [IDENTITY];
      const all: (readonly number[])[] = [];
      for (const c of cent) for (const op of magn) all.push(composeOps(c, op));
      warnings.push(`magnetic CIF: ${magn.length} operations x ${cent.length} centerings applied to positions (time reversal and moments ignored)`);
      return all;
    }
    for (const tag of SSG_TAGS) {
      if (block.items.has(tag)) {
        const line = getScalar(block, tag)?.line;
        throw new ReadProblem('unsupported-symmetry', 'superspace-group (modulated structure) operations are not supported', line);
      }
    }
  }
  const named = namedSpaceGroup(block, cell);
  if (explicit !== null) {
    if (named !== undefined && named.ops !== undefined) {
      const listed = uniqueOps(explicit);
      // a symbol without its origin choice matches the listed operations in either origin
      const other = named.setting !== undefined && named.originAssumed ? otherOriginChoice(named.setting) : undefined;
      const matchesOther = other !== undefined && sameOperationSet(listed, operationsForHall(other.hallSymbol));
      if (!matchesOther && !sameOperationSet(listed, named.ops)) {
        warnings.push(
          `the ${listed.length} symmetry operations listed under ${explicitTag} do not match space group ${named.described} ` +
            `(${named.ops.length} operations): the structure is read from the listed operations`,
        );
      }
    }
    return explicit;
  }
  if (named === undefined) {
    warnings.push('no symmetry operations and no space group given: read as P1 (the listed atoms only)');
    return [IDENTITY];
  }
  if (named.ops === undefined) throw new ReadProblem('unsupported-symmetry', named.error!, named.line);
  warnings.push(...named.notes);
  return named.ops.map((op) => [...op]);
}

interface NamedGroup {
  /** e.g. "'P 21/c' (P 1 2_1/c 1, Hall -P 2ybc)". */
  described: string;
  setting?: SpaceGroupSetting;
  /** The name gave no origin choice and origin choice 2 was assumed. */
  originAssumed?: boolean;
  ops?: readonly (readonly number[])[];
  notes: string[];
  error?: string;
  line?: number;
}

/**
 * The space group the block names by Hall symbol, H-M symbol or IT number (in that order of precedence),
 * undefined when it names none. Disagreements between the names are notes; an unknown name is an error only
 * when no other name resolves.
 */
function namedSpaceGroup(block: CifBlock, cell: CellShape): NamedGroup | undefined {
  const hm = firstScalar(block, HM_TAGS);
  const hall = firstScalar(block, HALL_TAGS);
  const it = firstScalar(block, IT_TAGS);
  if (hm === undefined && hall === undefined && it === undefined) return undefined;
  const notes: string[] = [];
  const errors: string[] = [];
  let found: { setting: SpaceGroupSetting | undefined; hallSymbol: string; via: string } | undefined;
  if (hall !== undefined) {
    const setting = findByHall(hall.value);
    if (setting !== undefined) found = { setting, hallSymbol: setting.hallSymbol, via: `Hall '${hall.value}'` };
    else {
      try {
        operationsForHall(hall.value);
        found = { setting: undefined, hallSymbol: hall.value, via: `Hall '${hall.value}'` };
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    }
  }
  if (hm !== undefined) {
    try {
      const m = findByHermannMauguin(hm.value, cell);
      if (found === undefined) {
        found = { setting: m.setting, hallSymbol: m.setting.hallSymbol, via: `'${hm.value}'` };
        notes.push(...m.notes);
      } else if (!sameOperationSet(operationsForHall(found.hallSymbol), operationsForHall(m.setting.hallSymbol))) {
        notes.push(`the H-M symbol '${hm.value}' and the Hall symbol '${hall!.value}' name different settings: the Hall symbol is used`);
      }
    } catch (e) {
      errors.push(e instanceof Error ? e.message : String(e));
    }
  }
  if (it !== undefined) {
    const n = parseNumber(it.value);
    if (found === undefined) {
      try {
        const m = findByNumber(n, cell);
        found = { setting: m.setting, hallSymbol: m.setting.hallSymbol, via: `IT number ${it.value}` };
        notes.push(...m.notes, `space group from its IT number ${it.value} only: standard setting ${m.setting.fullSymbol} assumed`);
      } catch (e) {
        errors.push(e instanceof Error ? e.message : String(e));
      }
    } else if (found.setting !== undefined && found.setting.number !== n) {
      notes.push(`IT number ${it.value} does not match space group ${found.via} (number ${found.setting.number}): the symbol is used`);
    }
  }
  if (found === undefined) {
    const shown = hall ?? hm ?? it!;
    return { described: `'${shown.value}'`, notes, error: `unknown space group: ${errors.join('; ')}`, line: shown.line };
  }
  const s = found.setting;
  const described = s !== undefined ? `${found.via} (${s.fullSymbol}${s.choice ? ` :${s.choice}` : ''}, Hall '${s.hallSymbol}')` : found.via;
  const originAssumed = notes.some((n) => n.includes('origin choice 2'));
  return { described, ops: operationsForHall(found.hallSymbol), notes, ...(s !== undefined ? { setting: s } : {}), originAssumed };
}

function firstScalar(block: CifBlock, tags: readonly string[]): { value: string; line: number } | undefined {
  for (const t of tags) {
    const s = getScalar(block, t);
    if (s !== undefined && !isCifNull(s.value) && s.value.trim() !== '') return s;
  }
  return undefined;
}
