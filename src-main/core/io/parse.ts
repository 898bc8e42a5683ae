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
    if (extraWarnings.length > 0) for (const s of out) s.warnings.unshift(...extraWarnings);
    return out;
  } catch (e) {
    if (e instanceof StructureReadError) throw e;
    throw toReadError(e, fileName);
  }
}
