import { Lattice, type Vec3 } from './lattice';
import { ATOMIC_MASS_G_PER_MOL, PAULING_ELECTRONEGATIVITY, atomicNumber, elementSymbol } from './elements';

/** One site of an ordered structure. Coordinates are fractional (unitless). */
export interface Site {
  readonly z: number;
  readonly frac: Vec3;
  /** Site label from the file (e.g. "Fe1"), if any. */
  readonly label?: string;
  /** Formal oxidation state from the file (e.g. +2 for "Fe2+"), if any. */
  readonly oxidationState?: number;
}

const AVOGADRO = 6.02214076e23;

/**
 * Immutable ordered periodic structure: a lattice plus sites in P1 (symmetry already expanded).
 * Positions are stored as fractional coordinates; Cartesian coordinates are in Angstrom.
 */
export class Structure {
  readonly lattice: Lattice;
  readonly sites: readonly Site[];
  /** Name of the source (data block name or file stem). */
  readonly name: string;

  private constructor(lattice: Lattice, sites: readonly Site[], name: string) {
    this.lattice = lattice;
    // Factories build fresh site objects; they are frozen here once, without copying.
    for (const site of sites) {
      Object.freeze(site.frac);
      Object.freeze(site);
    }
    this.sites = Object.freeze(sites);
    this.name = name;
    Object.freeze(this);
  }

  /** From fractional coordinates. `species` are element symbols or atomic numbers. */
  static fromFractional(
    lattice: Lattice,
    species: readonly (string | number)[],
    frac: readonly Vec3[],
    options: { name?: string; labels?: readonly (string | undefined)[]; oxidationStates?: readonly (number | undefined)[] } = {},
  ): Structure {
    if (species.length !== frac.length) throw new RangeError('species and coordinates differ in length');
    if (species.length === 0) throw new RangeError('a structure needs at least one site');
    const sites: Site[] = species.map((sp, i) => {
      const z = typeof sp === 'number' ? sp : atomicNumber(sp);
      if (z === undefined || !(z >= 1 && z <= 118)) throw new RangeError(`unknown element ${String(sp)}`);
      const f = frac[i];
      if (!f.every(Number.isFinite)) throw new RangeError(`site ${i} has a non-finite coordinate`);
      const site: { z: number; frac: Vec3; label?: string; oxidationState?: number } = { z, frac: [f[0], f[1], f[2]] };
      const label = options.labels?.[i];
      const ox = options.oxidationStates?.[i];
      if (label !== undefined) site.label = label;
      if (ox !== undefined) site.oxidationState = ox;
      return site;
    });
    return new Structure(lattice, sites, options.name ?? '');
  }

  /** From Cartesian coordinates in Angstrom. */
  static fromCartesian(
    lattice: Lattice,
    species: readonly (string | number)[],
    cartAngstrom: readonly Vec3[],
    options: { name?: string; labels?: readonly (string | undefined)[] } = {},
  ): Structure {
    return Structure.fromFractional(lattice, species, cartAngstrom.map((c) => lattice.toFractional(c)), options);
  }

  get numSites(): number {
    return this.sites.length;
  }

  /** Atomic numbers per site. */
  atomicNumbers(): Uint8Array {
    return Uint8Array.from(this.sites, (s) => s.z);
  }

  /** Cartesian coordinates per site, Angstrom. */
  cartesianCoords(): Vec3[] {
    return this.sites.map((s) => this.lattice.toCartesian(s.frac));
  }

  /** Fractional coordinates wrapped into [0, 1). */
  wrappedFractional(): Vec3[] {
    return this.sites.map((s) => s.frac.map(wrap01) as unknown as Vec3);
  }

  /** Distinct element symbols, ordered by electronegativity then atomic number. */
  elements(): string[] {
    return [...new Set(this.sites.map((s) => s.z))].sort(byElectronegativity).map(elementSymbol);
  }

  /** Element symbol -> count in the cell. */
  composition(): Map<string, number> {
    return compositionOf(this.sites.map((s) => s.z));
  }

  /** Formula of the cell, e.g. "Na4 Cl4". */
  formula(): string {
    return [...this.composition()].map(([el, n]) => `${el}${n}`).join(' ');
  }

  /** Reduced formula, e.g. "NaCl", "Fe2O3". */
  reducedFormula(): string {
    return reducedFormulaOf(this.sites.map((s) => s.z));
  }

  /** Density in g/cm^3. */
  densityGramsPerCm3(): number {
    const mass = this.sites.reduce((acc, s) => acc + ATOMIC_MASS_G_PER_MOL[s.z], 0);
    return mass / AVOGADRO / (this.lattice.volumeAngstrom3 * 1e-24);
  }

  /** A new structure repeated na x nb x nc times. */
  supercell(na: number, nb: number, nc: number): Structure {
    if (![na, nb, nc].every((n) => Number.isInteger(n) && n >= 1)) throw new RangeError('supercell multiples must be positive integers');
    const species: number[] = [];
    const frac: Vec3[] = [];
    for (let i = 0; i < na; i++)
      for (let j = 0; j < nb; j++)
        for (let k = 0; k < nc; k++)
          for (const s of this.sites) {
            species.push(s.z);
            frac.push([(s.frac[0] + i) / na, (s.frac[1] + j) / nb, (s.frac[2] + k) / nc]);
          }
    return Structure.fromFractional(this.lattice.scaled(na, nb, nc), species, frac, { name: this.name });
  }

  toJSON(): { name: string; lattice: { matrix: number[][] }; species: string[]; frac: number[][] } {
    return {
      name: this.name,
      lattice: this.lattice.toJSON(),
      species: this.sites.map((s) => elementSymbol(s.z)),
      frac: this.sites.map((s) => [...s.frac]),
    };
  }
}

/** Element symbol -> count, ordered by electronegativity (then atomic number). */
export function compositionOf(atomicNumbers: ArrayLike<number>): Map<string, number> {
  const counts = new Map<number, number>();
  for (let i = 0; i < atomicNumbers.length; i++) counts.set(atomicNumbers[i], (counts.get(atomicNumbers[i]) ?? 0) + 1);
  return new Map([...counts.keys()].sort(byElectronegativity).map((z) => [elementSymbol(z), counts.get(z)!] as [string, number]));
}

/** Reduced formula of a list of atomic numbers, e.g. "Fe2O3". */
export function reducedFormulaOf(atomicNumbers: ArrayLike<number>): string {
  const comp = [...compositionOf(atomicNumbers)];
  const g = comp.reduce((acc, [, n]) => gcd(acc, n), 0);
  return comp.map(([el, n]) => (n / g === 1 ? el : `${el}${n / g}`)).join('');
}

export function wrap01(x: number): number {
  const w = x - Math.floor(x);
  return w >= 1 ? 0 : w;
}

function gcd(a: number, b: number): number {
  while (b) [a, b] = [b, a % b];
  return a;
}

function byElectronegativity(a: number, b: number): number {
  const ea = PAULING_ELECTRONEGATIVITY[a] || 99;
  const eb = PAULING_ELECTRONEGATIVITY[b] || 99;
  return ea - eb || a - b;
}
