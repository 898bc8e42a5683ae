/**
 * Element symbols from CIF type symbols ('Fe', 'Fe2+', 'O2-', 'C0+', 'FE') and labels ('Fe1',
 * 'O1A', 'FE2', 'Ow1', 'WatII'), and from POSCAR species names ('Fe_pv', 'Fe/abc').
 */
import { atomicNumber } from '../crystal/elements';

export interface ParsedSpecies {
  z: number;
  /** Oxidation state written in the symbol ('Fe2+' -> 2, 'O2-' -> -2, 'Na+' -> 1). */
  oxidation?: number;
  /** The element was guessed from a label or needed a non-trivial rule. */
  guessed: boolean;
}

function isUpper(c: number): boolean {
  return c >= 65 && c <= 90;
}
function isLower(c: number): boolean {
  return c >= 97 && c <= 122;
}
function isLetter(c: number): boolean {
  return isUpper(c) || isLower(c);
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

/** Atomic number of a symbol with exact element spelling rules relaxed to case-insensitive. */
function z2(s: string): number | undefined {
  const z = atomicNumber(s);
  return z !== undefined && z >= 1 ? z : undefined;
}

/**
 * Element of a CIF type symbol or label, pymatgen-like: the first two letters if they name an element
 * (case-insensitive: 'FE1' -> Fe), else the first letter; water pseudo-atoms 'Wat...' -> O.
 * Returns undefined when nothing matches.
 */
export function speciesFromCifSymbol(sym: string): ParsedSpecies | undefined {
  const n = sym.length;
  if (n === 0) return undefined;
  const c0 = sym.charCodeAt(0);
  if (!isLetter(c0)) return undefined;
  const c1 = n > 1 ? sym.charCodeAt(1) : 0;
  // fast exact path: "Fe", "O", "Fe2+", "O1" ...
  let z: number | undefined;
  let len = 0;
  if (isLetter(c1)) {
    // water pseudo-atoms (WatI, Wat1, WAT): oxygen without its hydrogens
    if ((c0 === 87 || c0 === 119) && (c1 === 97 || c1 === 65) && n > 2 && (sym.charCodeAt(2) | 32) === 116) {
      return { z: 8, guessed: true };
    }
    z = z2(sym.slice(0, 2));
    if (z !== undefined) len = 2;
  }
  if (z === undefined) {
    z = z2(sym[0]);
    if (z !== undefined) len = 1;
  }
  if (z === undefined) return undefined;
  // the remainder: digits+sign (oxidation), or label decorations
  let oxidation: number | undefined;
  let guessed = false;
  if (len < n) {
    const ox = parseOxidationSuffix(sym, len);
    if (ox !== null) oxidation = ox;
    else {
      // label: anything after the element must not continue with lower-case letters that would make
      // it another word ('Cubic'), except CIF labels conventionally allow any suffix
      guessed = !isDigit(sym.charCodeAt(len)) || (len === 2 && isUpper(sym.charCodeAt(1)));
    }
  } else if (len === 2 && isUpper(sym.charCodeAt(1))) guessed = true;
  const out: ParsedSpecies = { z, guessed };
  if (oxidation !== undefined) out.oxidation = oxidation;
  return out;
}

/** '2+', '+2', '2-', '+', '-', '0+', '3+' at position `from` to the end; null when not that shape. */
function parseOxidationSuffix(s: string, from: number): number | null {
  const n = s.length;
  let i = from;
  let digits = 0;
  let v = 0;
  if (i < n && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    const sign = s.charCodeAt(i) === 45 ? -1 : 1;
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) {
      v = v * 10 + s.charCodeAt(i) - 48;
      digits++;
      i++;
    }
    if (i !== n) return null;
    return sign * (digits === 0 ? 1 : v);
  }
  while (i < n && isDigit(s.charCodeAt(i))) {
    v = v * 10 + s.charCodeAt(i) - 48;
    digits++;
    i++;
  }
  if (i === n - 1 && (s.charCodeAt(i) === 43 || s.charCodeAt(i) === 45)) {
    const sign = s.charCodeAt(i) === 45 ? -1 : 1;
    return sign * (digits === 0 ? 1 : v);
  }
  return null;
}

/** POSCAR species name: 'Fe', 'Fe_pv', 'Fe_sv_GW', 'Fe/3a1b', 'H1.25' (pseudo-H) -> element. */
export function speciesFromPoscarName(name: string): number | undefined {
  let end = 0;
  while (end < name.length && end < 2 && isLetter(name.charCodeAt(end))) end++;
  if (end === 0) return undefined;
  // element symbols are one upper-case (or any-case) letter optionally followed by one lower-case letter
  if (end === 2) {
    const rest = name.charCodeAt(2);
    if (isLetter(rest)) return undefined; // 'Abc': not a symbol
    const z = z2(name.slice(0, 2));
    if (z !== undefined) return z;
    return undefined;
  }
  const next = name.charCodeAt(1);
  if (isLetter(next)) return undefined;
  return z2(name.slice(0, 1));
}

/**
 * Element symbols in a free-text line such as a VASP 4 comment ('Mg B', '# Mn12 O12', 'Cubic BN',
 * 'NaCl rocksalt'): words made only of capitalised element symbols with optional counts. Distinct,
 * in order of first appearance.
 */
export function elementsInFreeText(text: string): number[] {
  const out: number[] = [];
  const words = text.split(/[^A-Za-z0-9.]+/);
  for (const w of words) {
    if (w.length === 0) continue;
    const zs: number[] = [];
    let i = 0;
    let ok = true;
    while (i < w.length) {
      const c = w.charCodeAt(i);
      if (!isUpper(c)) {
        ok = false;
        break;
      }
      let len = 1;
      if (i + 1 < w.length && isLower(w.charCodeAt(i + 1))) len = 2;
      const sym = w.slice(i, i + len);
      const z = sym === 'D' || sym === 'T' ? undefined : z2(sym);
      if (z === undefined) {
        ok = false;
        break;
      }
      zs.push(z);
      i += len;
      while (i < w.length && (isDigit(w.charCodeAt(i)) || w.charCodeAt(i) === 46)) i++;
    }
    if (!ok) continue;
    for (const z of zs) if (!out.includes(z)) out.push(z);
  }
  return out;
}
