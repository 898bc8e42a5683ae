/**
 * Space groups by name: the 530 Hall settings of space-group-settings.ts looked up by Hall symbol, full or
 * short Hermann-Mauguin symbol in the spellings files use, or IT number; operations from hall-symbol.ts.
 *
 * H-M spellings accepted: spaces or none, `2_1` or `21`, `-3`, `bar3`, `\bar{3}` or `3bar`, any case,
 * full (`P 1 21/c 1`) or short (`P21/c`) symbols of any setting (`P 1 1 21/b`, `P b n m`), the old
 * e-glide letters (`Cmca` = `Cmce`, `Abm2` = `Aem2`), old cubic symbols without the bar (`Fm3m`, `Fd3`), a
 * setting suffix (`:1` / `:2` origin choice, `:H` / `:R`, `:b1`, `:c`, `:ba-c`), and annotations in braces
 * (`F d -3 m {origin @ centre (-3m)}` = origin choice 2).
 *
 * When a symbol fits several settings (a short monoclinic symbol, `R 3` without `:H`, a group with two
 * origins), the cell decides where it can (unique axis = the angle that is not 90 degrees; rhombohedral axes
 * when a = b = c and the angles are equal and not 90); otherwise origin choice 2 (International Tables'
 * recommended origin at a centre of symmetry, used by ICSD) and the first listed setting, with a note.
 */
import { operationsFromHall, type SeitzOp } from './hall-symbol';
import { SPACE_GROUP_SETTINGS } from './space-group-settings';

export interface SpaceGroupSetting {
  /** 1..530 (spglib / International Tables Vol. B order); 0 for a centred triclinic cell ('I 1', 'C -1'), not one of the 530. */
  readonly hallNumber: number;
  readonly hallSymbol: string;
  /** Full H-M symbol of this setting, e.g. 'P 1 2_1/n 1'. */
  readonly fullSymbol: string;
  /** Short H-M symbol of the standard setting, e.g. 'P2_1/c'. */
  readonly standardShortSymbol: string;
  /** Short H-M symbol of this setting (spaces removed), e.g. 'P2_1/n', 'Pbnm'. */
  readonly shortSymbol: string;
  /** International Tables number, 1..230. */
  readonly number: number;
  /** Setting code: unique axis and cell choice, axis permutation, origin choice '1'/'2', 'H'/'R'; '' if none. */
  readonly choice: string;
}

/** Cell parameters that help choose among settings (Angstrom, degrees). */
export interface CellShape {
  readonly lengthsAngstrom: readonly [number, number, number];
  readonly anglesDegrees: readonly [number, number, number];
}

export interface SpaceGroupMatch {
  setting: SpaceGroupSetting;
  /** Assumptions made to choose among several settings (for warnings). */
  notes: string[];
}

/** One symbol did not name a space group; `reason` says why. */
export class SpaceGroupLookupError extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'SpaceGroupLookupError';
  }
}

const SETTINGS: readonly SpaceGroupSetting[] = SPACE_GROUP_SETTINGS.map(([hall, full, short, number, choice], i) => ({
  hallNumber: i + 1,
  hallSymbol: hall,
  fullSymbol: full,
  standardShortSymbol: short,
  shortSymbol: settingShortSymbol(full, short, number),
  number,
  choice,
}));

/** The short symbol of one setting: monoclinic full symbols without their '1's, else the full symbol's glide/mirror letters. */
function settingShortSymbol(full: string, standardShort: string, number: number): string {
  const parts = full.split(' ');
  if (number >= 3 && number <= 15) return parts.filter((p, i) => i === 0 || p !== '1').join('');
  // triclinic, tetragonal and higher: the standard short symbol (origin choices differ only in `choice`)
  if (number <= 2 || number >= 75) return standardShort;
  // orthorhombic: each position keeps the symmetry plane when there is one ('2_1/m' -> 'm'), else the axis
  return [parts[0], ...parts.slice(1).map((p) => (p.includes('/') ? p.split('/')[1] : p))].join('');
}

export const ALL_SPACE_GROUP_SETTINGS: readonly SpaceGroupSetting[] = SETTINGS;

/** The setting with this Hall number (1..530). */
export function settingByHallNumber(hallNumber: number): SpaceGroupSetting {
  const s = SETTINGS[hallNumber - 1];
  if (!Number.isInteger(hallNumber) || s === undefined) throw new RangeError(`Hall number ${hallNumber} is not in 1..530`);
  return s;
}

const opsCache = new Map<string, readonly SeitzOp[]>();

/** Operations of a setting (generated from its Hall symbol, cached). */
export function settingOperations(setting: SpaceGroupSetting): readonly SeitzOp[] {
  return operationsForHall(setting.hallSymbol);
}

/** Operations of any Hall symbol (cached). Throws HallSymbolError for a malformed symbol. */
export function operationsForHall(hallSymbol: string): readonly SeitzOp[] {
  let ops = opsCache.get(hallSymbol);
  if (ops === undefined) {
    ops = Object.freeze(operationsFromHall(hallSymbol));
    opsCache.set(hallSymbol, ops);
  }
  return ops;
}

// ------------------------------------------------------------------ keys

/** 'P 2_1/c' -> 'p21/c'; bars, unicode minus, braces and spaces normalised. */
function compactHM(s: string): string {
  return s
    .toLowerCase()
    .replace(/[\u2212\u2013]/g, '-')
    .replace(/\\(?:bar|overline)\s*\{\s*(\d)\s*\}/g, '-$1')
    .replace(/bar\s*(\d)/g, '-$1')
    .replace(/(\d)\s*bar/g, '-$1')
    .replace(/[\s_'"]/g, '');
}

function compactHall(s: string): string {
  return s.trim().replace(/_/g, ' ').replace(/\s+/g, ' ').toLowerCase();
}

const byHmKey = new Map<string, SpaceGroupSetting[]>();
const byHallKey = new Map<string, SpaceGroupSetting>();

function addKey(key: string, s: SpaceGroupSetting): void {
  const list = byHmKey.get(key);
  if (list === undefined) byHmKey.set(key, [s]);
  else if (!list.includes(s)) list.push(s);
}

/** 'Cmce' -> ['Cmca', 'Cmcb']: the e (double glide) written with either of its two glide letters. */
function eGlideVariants(shortSymbol: string): string[] {
  const lat = shortSymbol[0];
  const rest = shortSymbol.slice(1);
  // positions of the three symbols (orthorhombic: one letter or digit group per direction a, b, c)
  const tokens = rest.match(/2_1|[a-z]|\d/gi);
  if (tokens === null || tokens.length !== 3 || !tokens.includes('e')) return [];
  const letters = ['a', 'b', 'c'];
  let out: string[][] = [[]];
  tokens.forEach((t, k) => {
    const options = t === 'e' ? letters.filter((_, j) => j !== k) : [t];
    out = out.flatMap((prefix) => options.map((o) => [...prefix, o]));
  });
  return out.map((t) => lat + t.join(''));
}

for (const s of SETTINGS) {
  addKey(compactHM(s.fullSymbol), s);
  addKey(compactHM(s.shortSymbol), s);
  if (s.number <= 2 || s.number >= 75) addKey(compactHM(s.standardShortSymbol), s);
  for (const v of eGlideVariants(s.shortSymbol)) addKey(compactHM(v), s);
  const hk = compactHall(s.hallSymbol);
  if (!byHallKey.has(hk)) byHallKey.set(hk, s);
}
// old cubic symbols without the bar ('Fm3m', 'Fd3', 'Ia3d'), where that spelling names no other group
for (const s of SETTINGS) {
  if (s.number < 195) continue;
  const k = compactHM(s.standardShortSymbol).replace(/-/g, '');
  const taken = byHmKey.get(k);
  if (taken === undefined || taken.every((t) => t.number === s.number)) addKey(k, s);
}

// ------------------------------------------------------------------ lookup

/**
 * The setting named by an H-M symbol. Throws SpaceGroupLookupError when the symbol names no space group or
 * asks for a setting that does not exist.
 */
export function findByHermannMauguin(symbol: string, cell?: CellShape): SpaceGroupMatch {
  let text = symbol.trim();
  let choice = '';
  // annotations: 'F d -3 m {origin @ centre (-3m)}', 'P n -3 (origin choice 2)'
  const ann = /\{([^}]*)\}\s*$/.exec(text) ?? /\(([^)]*)\)\s*$/.exec(text);
  if (ann !== null && /origin|setting|choice|cent/i.test(ann[1])) {
    const n = /(?:choice|setting)\s*(\d)/i.exec(ann[1]);
    if (n !== null) choice = n[1];
    else if (/cent(?:re|er)|-1/i.test(ann[1])) choice = '2';
    text = text.slice(0, ann.index).trim();
  }
  const colon = text.indexOf(':');
  if (colon >= 0) {
    choice = text.slice(colon + 1).trim();
    text = text.slice(0, colon).trim();
  }
  let key = compactHM(text);
  let candidates = byHmKey.get(key);
  // 'R -3 m H', 'R3R': a trailing H or R on a rhombohedral symbol
  if (candidates === undefined && choice === '' && key.startsWith('r') && /[hr]$/.test(key)) {
    const c2 = byHmKey.get(key.slice(0, -1));
    if (c2 !== undefined) {
      choice = key.slice(-1).toUpperCase();
      key = key.slice(0, -1);
      candidates = c2;
    }
  }
  // a centred triclinic cell ('I 1', 'C -1', 'F -1'): P 1 / P -1 with the centring translations
  if (candidates === undefined && choice === '' && /^[abcif]-?1$/.test(key)) {
    const p = settingByHallNumber(key.includes('-') ? 2 : 1);
    const lat = key[0].toUpperCase();
    const hall = key.includes('-') ? `-${lat} 1` : `${lat} 1`;
    return {
      setting: { ...p, hallNumber: 0, hallSymbol: hall, fullSymbol: `${lat} ${p.fullSymbol.slice(2)}`, shortSymbol: lat + p.shortSymbol.slice(1), choice: '' },
      notes: [`'${symbol}' is ${p.standardShortSymbol} in a centred cell (${lat}); read with the ${lat}-centring translations`],
    };
  }
  if (candidates === undefined) throw new SpaceGroupLookupError(`'${symbol}' is not a Hermann-Mauguin symbol of any of the 230 space groups`);
  const notes: string[] = [];
  let list = candidates;
  if (choice !== '') {
    const c = choice.toLowerCase().replace(/\s/g, '');
    const alias = c === 's' ? '1' : c === 'z' ? '2' : c;
    list = candidates.filter((s) => s.choice.toLowerCase() === alias || s.choice.toLowerCase().startsWith(alias));
    if (list.length === 0) {
      throw new SpaceGroupLookupError(
        `space group '${symbol}': setting ':${choice}' does not exist (settings of ${candidates[0].standardShortSymbol}: ${[
          ...new Set(candidates.map((s) => s.choice || '(standard)')),
        ].join(', ')})`,
      );
    }
  }
  return { setting: choose(list, cell, notes, symbol), notes };
}

/** The setting of a Hall symbol in the table, or undefined when the symbol is valid but not one of the 530. */
export function findByHall(symbol: string): SpaceGroupSetting | undefined {
  return byHallKey.get(compactHall(symbol));
}

/** The standard setting of an IT number (origin choice 2; hexagonal or rhombohedral axes from the cell). */
export function findByNumber(number: number, cell?: CellShape): SpaceGroupMatch {
  if (!Number.isInteger(number) || number < 1 || number > 230) throw new SpaceGroupLookupError(`${number} is not a space-group number (1..230)`);
  const all = SETTINGS.filter((s) => s.number === number);
  // standard setting: the first, except the rhombohedral axes and the two origin choices that choose() decides
  const std = all.filter((s) => s.choice === '' || s.choice === 'b' || s.choice === 'b1' || s.choice === '1' || s.choice === '2' || s.choice === 'H' || s.choice === 'R');
  const notes: string[] = [];
  return { setting: choose(std.length > 0 ? std : all, cell, notes, String(number)), notes };
}

function near(a: number, b: number, tol: number): boolean {
  return Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
}

function choose(list: readonly SpaceGroupSetting[], cell: CellShape | undefined, notes: string[], asked: string): SpaceGroupSetting {
  let l = [...list];
  const keep = (f: (s: SpaceGroupSetting) => boolean): void => {
    const k = l.filter(f);
    if (k.length > 0) l = k;
  };
  if (l.length > 1 && cell !== undefined) {
    const [a, b, c] = cell.lengthsAngstrom;
    const [al, be, ga] = cell.anglesDegrees;
    if (l.some((s) => s.choice === 'H') && l.some((s) => s.choice === 'R')) {
      const rhombo = near(a, b, 1e-3) && near(b, c, 1e-3) && near(al, be, 1e-3) && near(be, ga, 1e-3) && !near(al, 90, 1e-3);
      keep((s) => s.choice === (rhombo ? 'R' : 'H'));
    }
    const off = [al, be, ga].map((x) => !near(x, 90, 1e-4));
    if (off.filter(Boolean).length === 1) {
      const axis = 'abc'[off.indexOf(true)];
      keep((s) => s.choice.replace('-', '').startsWith(axis));
    }
  }
  if (l.length > 1 && l.some((s) => s.choice.startsWith('1')) && l.some((s) => s.choice.startsWith('2'))) {
    keep((s) => s.choice.startsWith('2'));
    notes.push(`space group '${asked}' has two origin choices and the file names none: origin choice 2 (at a centre of symmetry) assumed`);
  }
  return l[0];
}

/** The same setting in the other origin choice ('1' <-> '2', '1cab' <-> '2cab'), or undefined. */
export function otherOriginChoice(setting: SpaceGroupSetting): SpaceGroupSetting | undefined {
  const m = /^([12])(.*)$/.exec(setting.choice);
  if (m === null) return undefined;
  const want = `${m[1] === '1' ? '2' : '1'}${m[2]}`;
  return SETTINGS.find((s) => s.number === setting.number && s.choice === want);
}

/** Crystal system of an IT number. */
export function crystalSystemOf(number: number): 'triclinic' | 'monoclinic' | 'orthorhombic' | 'tetragonal' | 'trigonal' | 'hexagonal' | 'cubic' {
  if (number <= 2) return 'triclinic';
  if (number <= 15) return 'monoclinic';
  if (number <= 74) return 'orthorhombic';
  if (number <= 142) return 'tetragonal';
  if (number <= 167) return 'trigonal';
  if (number <= 194) return 'hexagonal';
  return 'cubic';
}

/** Whether two operation lists are the same set (translations compared modulo 1). */
export function sameOperationSet(a: readonly (readonly number[])[], b: readonly (readonly number[])[], tol = 1e-3): boolean {
  const contains = (list: readonly (readonly number[])[], op: readonly number[]): boolean =>
    list.some((o) => {
      for (let k = 0; k < 9; k++) if (Math.abs(o[k] - op[k]) > 1e-6) return false;
      for (let k = 9; k < 12; k++) {
        const d = o[k] - op[k];
        if (Math.abs(d - Math.round(d)) > tol) return false;
      }
      return true;
    });
  return a.every((op) => contains(b, op)) && b.every((op) => contains(a, op));
}
