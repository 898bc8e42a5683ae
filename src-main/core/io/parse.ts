/**
 * parseStructures: format by file name, else by content; text sanity checks (empty, binary, size).
 */
import { ReadProblem, StructureReadError, toReadError } from './errors';
import { readCif } from './cif-structure';
import { readPoscar } from './poscar';
import { readExtXyz } from './xyz';
import { type NamedStructure, type ReadOptions, type ResolvedReadOptions, resolveOptions } from './types';
import { baseName, splitLines, words } from './util';
import { parseIntStrict, parseNumber } from './numbers';
import type { Structure } from '../crystal/structure';
import { elementSymbol } from '../crystal/elements';
import { sharedNeighborEngine } from '../graph/neighbors';

export type StructureFormat = 'cif' | 'poscar' | 'xyz';

/**
 * Format from the file name: .cif/.mcif -> cif; POSCAR*, CONTCAR*, *POSCAR*, *CONTCAR*, *.vasp, *.poscar -> poscar;
 * .xyz/.extxyz -> xyz; otherwise undefined.
 */
export function formatFromName(fileName: string): StructureFormat | undefined {
  const base = baseName(fileName).toLowerCase();
  if (base.endsWith('.cif') || base.endsWith('.mcif')) return 'cif';
  if (base.endsWith('.xyz') || base.endsWith('.extxyz')) return 'xyz';
  if (base.endsWith('.vasp') || base.endsWith('.poscar') || base.includes('poscar') || base.includes('contcar')) return 'poscar';
  return undefined;
}

/** Format from the content (first few KB), or undefined. */
export function sniffFormat(text: string): StructureFormat | undefined {
  const head = text.length > 8192 ? text.slice(0, 8192) : text;
  if (/(^|[\r\n])[ \t]*data_/i.test(head)) return 'cif';
  const lines = splitLines(head);
  const first = lines[0]?.trim() ?? '';
  if (/^\d+$/.test(first) && lines.length > 1) return 'xyz';
  if (lines.length >= 7) {
    const sc = words(lines[1]);
    const okScale = (sc.length === 1 || sc.length >= 3) && Number.isFinite(parseNumber(sc[0] ?? ''));
    let okLat = okScale;
    for (let k = 2; k <= 4 && okLat; k++) {
      const w = words(lines[k]);
      okLat = w.length >= 3 && w.slice(0, 3).every((s) => Number.isFinite(parseNumber(s)));
    }
    if (okLat) {
      const w5 = words(lines[5]);
      const w6 = words(lines[6]);
      const isCounts = (w: string[]): boolean => w.length > 0 && w.every((s) => parseIntStrict(s) >= 0);
      if (isCounts(w5) || isCounts(w6)) return 'poscar';
    }
  }
  return undefined;
}

/**
 * Throws for empty, binary-looking or over-size text. Cheap: a length check, a native NUL search and a
 * scan of the first 64K characters.
 */
export function checkText(text: string, maxBytes: number): void {
  if (text.length > maxBytes) {
    throw new ReadProblem('too-large', `${text.length} characters is more than the limit of ${maxBytes} bytes`);
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) throw new ReadProblem('binary', `NUL byte at offset ${nul}: a binary file, not a text structure file`);
  const n = Math.min(text.length, 65536);
  let control = 0;
  let replacement = 0;
  let firstNonSpace = -1;
  for (let i = 0; i < n; i++) {
    const c = text.charCodeAt(i);
    if (c <= 32) {
      if (c < 32 && c !== 9 && c !== 10 && c !== 13 && c !== 12 && c !== 11) control++;
      continue;
    }
    if (firstNonSpace < 0) firstNonSpace = i;
    if (c >= 127 && (c === 127 || c === 0xfffd)) {
      if (c === 127) control++;
      else replacement++;
    }
  }
  if (control > 8 && control > n * 0.002) {
    throw new ReadProblem('binary', `${control} control characters in the first ${n} characters: a binary file, not a text structure file`);
  }
  if (replacement > 8 && replacement > n * 0.01) {
    throw new ReadProblem('binary', `${replacement} undecodable characters in the first ${n} characters: a binary file, not a text structure file`);
  }
  if (firstNonSpace < 0 && (n === text.length || text.trim() === '')) throw new ReadProblem('empty', 'the file is empty (or whitespace only)');
}

/** Below this volume per atom (Angstrom^3) a cell is refused as unphysical (the densest solids have ~5). */
export const MIN_VOLUME_PER_ATOM_A3 = 1;
/** Two atoms closer than this (Angstrom, periodic images included) make a structure unphysical (H2 is 0.74). */
export const MIN_INTERATOMIC_DISTANCE_A = 0.5;

/** Why a structure is unphysical, or undefined. Bounded work: one k = 1 nearest search within 0.5 A. */
export function unphysicalReason(structure: Structure): string | undefined {
  const n = structure.numSites;
  const v = structure.lattice.volumeAngstrom3;
  if (v / n < MIN_VOLUME_PER_ATOM_A3) {
    return `unphysical cell: ${(v / n).toPrecision(3)} A^3 per atom (${n} atoms in ${v.toPrecision(3)} A^3) is below ${MIN_VOLUME_PER_ATOM_A3} A^3`;
  }
  const res = sharedNeighborEngine().loadStructure(structure).nearest(1, MIN_INTERATOMIC_DISTANCE_A);
  for (let i = 0; i < n; i++) {
    if (res.count[i] === 0) continue;
    const j = res.index[i];
    const d = Math.sqrt(res.distance2[i]);
    const what = j === i ? `atom ${i + 1} (${elementSymbol(structure.sites[i].z)}) and its own periodic image` : `atoms ${i + 1} (${elementSymbol(structure.sites[i].z)}) and ${j + 1} (${elementSymbol(structure.sites[j].z)})`;
    return `unphysical structure: ${what} are ${d.toFixed(3)} A apart, closer than ${MIN_INTERATOMIC_DISTANCE_A} A`;
  }
  return undefined;
}

/** Drops unphysical structures (warning on the others); throws when none is left. */
function refuseUnphysical(list: NamedStructure[], fileName: string): NamedStructure[] {
  const bad: { name: string; reason: string }[] = [];
  const ok = list.filter((ns) => {
    const reason = unphysicalReason(ns.structure);
    if (reason !== undefined) bad.push({ name: ns.name, reason });
    return reason === undefined;
  });
  if (bad.length === 0) return list;
  if (ok.length === 0) {
    throw new StructureReadError({ code: 'unphysical', file: fileName, reason: bad.length === 1 ? bad[0].reason : bad.map((b) => `${b.name}: ${b.reason}`).join('; ') });
  }
  for (const s of ok) s.warnings.push(...bad.map((b) => `skipped structure ${b.name} [unphysical]: ${b.reason}`));
  return ok;
}

/** Parse structure text; see index.ts for the contract. */
export function parseStructures(text: string, fileName: string, options?: ReadOptions): NamedStructure[] {
  const opts = resolveOptions(options);
  return parseResolved(text, fileName, opts, []);
}

export function parseResolved(text: string, fileName: string, opts: ResolvedReadOptions, extraWarnings: readonly string[]): NamedStructure[] {
  try {
    checkText(text, opts.maxBytes);
    if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    let format = formatFromName(fileName);
    if (format === undefined) {
      format = sniffFormat(text);
      if (format === undefined) {
        throw new ReadProblem('unsupported-format', 'not a CIF, POSCAR/CONTCAR or extended XYZ file (unknown extension, content not recognised)', 1);
      }
    }
    let out: NamedStructure[];
    if (format === 'cif') out = readCif(text, fileName, opts);
    else if (format === 'poscar') out = readPoscar(text, fileName, opts);
    else out = readExtXyz(text, fileName, opts);
    out = refuseUnphysical(out, fileName);
    if (extraWarnings.length > 0) for (const s of out) s.warnings.unshift(...extraWarnings);
    return out;
  } catch (e) {
    if (e instanceof StructureReadError) throw e;
    throw toReadError(e, fileName);
  }
}
