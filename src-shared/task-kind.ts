/**
 * Recognising task kinds and units from CSV column names.
 *
 * Column names are split into tokens on "_", "-", ".", "/" and spaces (not on camelCase, so
 * unit tokens such as "eV" stay whole; "BandGap" is matched as the token "bandgap").
 */

function tokens(name: string): string[] {
  return name
    .trim()
    .split(/[\s_.\-/]+/)
    .filter((t) => t.length > 0);
}

const ENERGY_UNITS = new Set(['', 'ev']);

/**
 * True when the column holds a band gap in eV. Matches (case-insensitive) a "band gap"
 * token sequence anywhere in the name ("band_gap", "bandgap", "BandGap", "band_gap_eV",
 * "pbe_band_gap") or a name whose first token is "gap" or "Eg" ("gap_eV", "Eg", "Eg_opt").
 * A unit, given or inferred from the name, other than eV rules the column out
 * (e.g. "band_gap_meV" or a gap in Å), so the eV metal threshold can be applied as is.
 */
export function isBandGapTask(name: string, unit?: string): boolean {
  const t = tokens(name).map((s) => s.toLowerCase());
  if (t.length === 0) return false;
  let matched = t[0] === 'gap' || t[0] === 'eg';
  for (let i = 0; i < t.length && !matched; i++) {
    if (t[i] === 'bandgap' || (t[i] === 'band' && t[i + 1] === 'gap')) matched = true;
  }
  if (!matched) return false;
  const u = (unit ?? inferUnit(name)).trim().toLowerCase();
  return ENERGY_UNITS.has(u);
}

/** Suffix tokens matched case-insensitively (multi-letter, unambiguous). */
const UNIT_SUFFIX_CI: Record<string, string> = {
  ev: 'eV',
  mev: 'meV',
  evatom: 'eV/atom',
  a3: 'Å^3',
  ang3: 'Å^3',
  ang: 'Å',
  angstrom: 'Å',
  gpa: 'GPa',
  gcm3: 'g/cm^3',
  ub: 'μB',
  mub: 'μB',
};

/** Single-letter suffixes, matched case-sensitively (so "lattice_a" is not read as Å). */
const UNIT_SUFFIX_CS: Record<string, string> = {
  A: 'Å',
  K: 'K',
};

/**
 * Unit implied by a column name's trailing token(s), or '' when unknown (no suffix guessed).
 * Examples: "formation_energy_per_atom_eV" -> "eV/atom" (an energy in eV with "per_atom" in the
 * name), "energy_eV_atom" -> "eV/atom", "band_gap_eV" -> "eV", "efermi_eV" -> "eV",
 * "volume_A3" -> "Å^3", "bulk_modulus_GPa" -> "GPa", "density_g_cm3" -> "g/cm^3",
 * "magmom_muB" -> "μB", "Tc_K" -> "K", "band_gap" -> "".
 */
export function inferUnit(columnName: string): string {
  const t = tokens(columnName);
  if (t.length < 2) return '';
  const last = t[t.length - 1];
  const prev = t[t.length - 2].toLowerCase();
  const lower = last.toLowerCase();
  const lowerNames = t.map((s) => s.toLowerCase());
  // "..._eV_atom" / "..._eV_per_atom"
  if (lower === 'atom' && (prev === 'ev' || (prev === 'per' && t.length >= 3 && t[t.length - 3].toLowerCase() === 'ev'))) {
    return 'eV/atom';
  }
  if (lower === 'cm3' && prev === 'g') return 'g/cm^3';
  let unit = UNIT_SUFFIX_CS[last] ?? UNIT_SUFFIX_CI[lower] ?? '';
  if (unit === 'eV' || unit === 'meV') {
    for (let i = 0; i + 1 < lowerNames.length - 1; i++) {
      if (lowerNames[i] === 'per' && lowerNames[i + 1] === 'atom') {
        unit = `${unit}/atom`;
        break;
      }
    }
  }
  return unit;
}

/** What a task predicts: a value in its unit, or the probability of the positive class of a 0/1 label. */
export type TaskKind = 'regression' | 'classification';

/** The display name of the metal / non-metal classifier (label 1 = metal), the known `is_metal` column. */
export const METAL_CLASSIFIER_NAME = 'Metal / non-metal';

/**
 * The properties whose column names the app recognises (Materials Project names and common variants): display
 * name, kind, and whether the property cannot be negative (predictions are then clamped at 0). First match wins.
 */
const KNOWN_PROPERTIES: readonly { re: RegExp; displayName: string; kind: TaskKind; nonNegative: boolean }[] = [
  { re: /^(e_?)?formation[\s_.-]*energy|^e_?form|^delta[\s_.-]*h/i, displayName: 'Formation energy', kind: 'regression', nonNegative: false },
  { re: /^is[\s_.-]*metal$|^metal$/i, displayName: METAL_CLASSIFIER_NAME, kind: 'classification', nonNegative: false },
  { re: /band[\s_.-]*gap|^gap\b|^e_?g(\b|_)/i, displayName: 'Band gap', kind: 'regression', nonNegative: true },
  { re: /^e(nergy)?[\s_.-]*above[\s_.-]*hull|^e_?hull/i, displayName: 'Energy above hull', kind: 'regression', nonNegative: true },
  { re: /^e_?fermi|fermi[\s_.-]*energy/i, displayName: 'Fermi energy', kind: 'regression', nonNegative: false },
  { re: /bulk[\s_.-]*modulus|^k_?vrh/i, displayName: 'Bulk modulus', kind: 'regression', nonNegative: false },
  { re: /shear[\s_.-]*modulus|^g_?vrh/i, displayName: 'Shear modulus', kind: 'regression', nonNegative: false },
  { re: /poisson/i, displayName: 'Poisson ratio', kind: 'regression', nonNegative: false },
  { re: /^volume/i, displayName: 'Volume', kind: 'regression', nonNegative: true },
  { re: /^density/i, displayName: 'Density', kind: 'regression', nonNegative: true },
  { re: /magnet|magmom/i, displayName: 'Magnetic moment', kind: 'regression', nonNegative: false },
];

/**
 * A readable name for a column the app does not know: unit suffix dropped, separators to spaces, first letter
 * capitalised ("bulk_modulus_GPa" -> "Bulk modulus", "target_1" -> "Target 1").
 */
export function readableColumnName(columnName: string): string {
  const t = tokens(columnName);
  const unitTokens = inferUnit(columnName) === '' ? 0 : unitSuffixLength(t);
  const kept = t.slice(0, Math.max(1, t.length - unitTokens));
  const text = kept.join(' ');
  return text.length === 0 ? columnName : text.charAt(0).toUpperCase() + text.slice(1);
}

/** How many trailing tokens of a name spell its unit ("eV" 1, "eV_atom" 2, "per_atom_eV" 1, "g_cm3" 2). */
function unitSuffixLength(t: readonly string[]): number {
  const last = t[t.length - 1].toLowerCase();
  const prev = t.length >= 2 ? t[t.length - 2].toLowerCase() : '';
  if (last === 'atom' && prev === 'ev') return 2;
  if (last === 'atom' && prev === 'per' && t.length >= 3 && t[t.length - 3].toLowerCase() === 'ev') return 3;
  if (last === 'cm3' && prev === 'g') return 2;
  return 1;
}

/** What the app knows about a column by default: display name, kind, whether it cannot be negative. */
export interface TaskDefaults {
  readonly displayName: string;
  readonly kind: TaskKind;
  readonly nonNegative: boolean;
}

export function taskDefaults(name: string, unit?: string): TaskDefaults {
  const known = KNOWN_PROPERTIES.find((p) => p.re.test(name.trim()));
  if (known) {
    // A band gap in another unit than eV (meV) is still a band gap; only the metal threshold needs eV.
    return { displayName: known.displayName, kind: known.kind, nonNegative: known.nonNegative };
  }
  void unit;
  return { displayName: readableColumnName(name), kind: 'regression', nonNegative: false };
}

/** True when a classification task is the metal / non-metal classifier (its label 1 is "metal"), by its column name. */
export function isMetalClassifier(name: string, kind: TaskKind | undefined): boolean {
  return kind === 'classification' && taskDefaults(name).displayName === METAL_CLASSIFIER_NAME;
}
