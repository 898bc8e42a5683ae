/**
 * Demo crystals: textbook structure prototypes with common elements and room-temperature experimental
 * lattice constants, built in P1 by writing out the occupied Wyckoff positions of each prototype's space
 * group in the conventional cell. They are idealised (internal parameters fixed at the cited values, no
 * relaxation) and serve as a small ready-made set to try the app and `mtcgcnn screen` on.
 *
 * resources/demo/*.cif, demo.json and README.md are generated from this file by
 * scripts/generate-demo-structures.mjs; test/unit/demo-structures.test.ts fails when they are out of date.
 */
import { Lattice, type Vec3 } from '../crystal/lattice';
import { Structure } from '../crystal/structure';
import { writeCif } from '../io/cif-writer';

export interface DemoReference {
  /** What the value is, e.g. "a = 5.6402 A (26 C)". */
  what: string;
  /** Where it comes from. */
  source: string;
}

export interface DemoPrototype {
  /** File stem and data block name, e.g. "NaCl-rocksalt". */
  id: string;
  /** Compound name. */
  name: string;
  /** Prototype (structure type) name. */
  prototype: string;
  /** Strukturbericht designation, e.g. B1. */
  strukturbericht: string;
  /** Hermann-Mauguin symbol and International Tables number of the prototype's space group. */
  spaceGroup: { symbol: string; number: number };
  /** Reduced formula, e.g. "NaCl". */
  formula: string;
  /** Cell parameters (Angstrom, degrees) of the conventional cell. */
  cell: { a: number; b: number; c: number; alpha: number; beta: number; gamma: number };
  /** Internal (free) coordinates of the prototype, e.g. { u: 0.3819 } for wurtzite. */
  internal?: Record<string, number>;
  /** Occupied Wyckoff positions, for the README. */
  wyckoff: string;
  /** Sources of the cell (and internal) parameters. */
  references: DemoReference[];
  /** Literature density (g/cm^3) the idealised cell is checked against (tests). */
  densityGramsPerCm3: number;
  /** Shortest distance (Angstrom) between the two named species, checked by the tests. */
  nearestNeighbor: { pair: [string, string]; distanceAngstrom: number };
  /** The sites (element symbol + fractional coordinates) in the conventional cell, in P1. */
  sites(): { species: string[]; frac: Vec3[] };
}

// ---- Wyckoff helpers -------------------------------------------------------------------------------------

/** The face-centring translations of an F lattice. */
const F_CENTRING: readonly Vec3[] = [
  [0, 0, 0],
  [0, 0.5, 0.5],
  [0.5, 0, 0.5],
  [0.5, 0.5, 0],
];
/** The body-centring translations of an I lattice. */
const I_CENTRING: readonly Vec3[] = [
  [0, 0, 0],
  [0.5, 0.5, 0.5],
];

function mod1(x: number): number {
  const w = x - Math.floor(x);
  return Math.abs(w - 1) < 1e-12 || Math.abs(w) < 1e-12 ? 0 : w;
}

/** Each position plus each centring translation, wrapped into [0, 1). */
function centred(positions: readonly Vec3[], centring: readonly Vec3[]): Vec3[] {
  const out: Vec3[] = [];
  for (const t of centring) for (const p of positions) out.push([mod1(p[0] + t[0]), mod1(p[1] + t[1]), mod1(p[2] + t[2])]);
  return out;
}

class SiteList {
  readonly species: string[] = [];
  readonly frac: Vec3[] = [];
  add(element: string, positions: readonly Vec3[]): this {
    for (const p of positions) {
      this.species.push(element);
      this.frac.push([mod1(p[0]), mod1(p[1]), mod1(p[2])]);
    }
    return this;
  }
}

const cubic = (a: number): DemoPrototype['cell'] => ({ a, b: a, c: a, alpha: 90, beta: 90, gamma: 90 });
const hexagonal = (a: number, c: number): DemoPrototype['cell'] => ({ a, b: a, c, alpha: 90, beta: 90, gamma: 120 });
const tetragonal = (a: number, c: number): DemoPrototype['cell'] => ({ a, b: a, c, alpha: 90, beta: 90, gamma: 90 });

// ---- prototypes ------------------------------------------------------------------------------------------

/** Rock salt (B1, Fm-3m): A on 4a (0,0,0), B on 4b (1/2,1/2,1/2). */
function rockSalt(a: string, b: string): () => { species: string[]; frac: Vec3[] } {
  return () => new SiteList().add(a, centred([[0, 0, 0]], F_CENTRING)).add(b, centred([[0.5, 0.5, 0.5]], F_CENTRING));
}

/** Zinc blende (B3, F-43m): A on 4a (0,0,0), B on 4c (1/4,1/4,1/4). */
function zincBlende(a: string, b: string): () => { species: string[]; frac: Vec3[] } {
  return () => new SiteList().add(a, centred([[0, 0, 0]], F_CENTRING)).add(b, centred([[0.25, 0.25, 0.25]], F_CENTRING));
}

/** Wurtzite (B4, P6_3mc): A on 2b (1/3,2/3,0), (2/3,1/3,1/2); B on 2b with z = u. */
function wurtzite(a: string, b: string, u: number): () => { species: string[]; frac: Vec3[] } {
  const pos = (z: number): Vec3[] => [
    [1 / 3, 2 / 3, z],
    [2 / 3, 1 / 3, z + 0.5],
  ];
  return () => new SiteList().add(a, pos(0)).add(b, pos(u));
}

/**
 * The 24 point operations of -43m (Td) in the cubic setting: the signed permutation matrices whose signs
 * multiply to +1, as [permutation, signs] (x'_i = sign_i * x_perm[i]).
 */
const TD_OPERATIONS: readonly (readonly [readonly number[], readonly number[]])[] = (() => {
  const perms = [
    [0, 1, 2],
    [1, 2, 0],
    [2, 0, 1],
    [1, 0, 2],
    [0, 2, 1],
    [2, 1, 0],
  ];
  const signs = [
    [1, 1, 1],
    [1, -1, -1],
    [-1, 1, -1],
    [-1, -1, 1],
  ];
  return perms.flatMap((p) => signs.map((s) => [p, s] as const));
})();

/**
 * The orbit of a position under Fd-3m in origin choice 1 (origin at -43m): the Td operations without
 * translation and, composed with the inversion centre at (1/8,1/8,1/8), the same operations negated and
 * shifted by (1/4,1/4,1/4); then the F-centring. Duplicates (special positions) are removed.
 */
function fd3mOrbit(p: Vec3): Vec3[] {
  const out: Vec3[] = [];
  const seen = new Set<string>();
  const push = (q: Vec3): void => {
    const w: Vec3 = [mod1(q[0]), mod1(q[1]), mod1(q[2])];
    const key = w.map((v) => Math.round(v * 1e6) % 1e6).join(',');
    if (seen.has(key)) return;
    seen.add(key);
    out.push(w);
  };
  for (const t of F_CENTRING)
    for (const [inv, shift] of [
      [1, 0],
      [-1, 0.25],
    ] as const)
      for (const [perm, sign] of TD_OPERATIONS) {
        const r = [0, 1, 2].map((i) => inv * sign[i] * p[perm[i]] + shift + t[i]);
        push([r[0], r[1], r[2]]);
      }
  return out;
}

/** Spinel AB2O4 (H1_1, Fd-3m, origin choice 1): A on 8a (0,0,0), B on 16d (5/8,5/8,5/8), X on 32e (u,u,u). */
function spinel(a: string, b: string, x: string, u: number): () => { species: string[]; frac: Vec3[] } {
  return () => new SiteList().add(a, fd3mOrbit([0, 0, 0])).add(b, fd3mOrbit([5 / 8, 5 / 8, 5 / 8])).add(x, fd3mOrbit([u, u, u]));
}

const NBS_539 = 'H. E. Swanson et al., Standard X-ray Diffraction Powder Patterns, NBS Circular 539';

export const DEMO_PROTOTYPES: readonly DemoPrototype[] = [
  {
    id: 'NaCl-rocksalt',
    name: 'sodium chloride (halite)',
    prototype: 'rock salt',
    strukturbericht: 'B1',
    spaceGroup: { symbol: 'Fm-3m', number: 225 },
    formula: 'NaCl',
    cell: cubic(5.6402),
    wyckoff: 'Na 4a (0,0,0); Cl 4b (1/2,1/2,1/2)',
    references: [{ what: 'a = 5.6402 A (26 C)', source: `${NBS_539}, vol. 2 (1953)` }],
    densityGramsPerCm3: 2.165,
    nearestNeighbor: { pair: ['Na', 'Cl'], distanceAngstrom: 2.8201 },
    sites: rockSalt('Na', 'Cl'),
  },
  {
    id: 'MgO-rocksalt',
    name: 'magnesium oxide (periclase)',
    prototype: 'rock salt',
    strukturbericht: 'B1',
    spaceGroup: { symbol: 'Fm-3m', number: 225 },
    formula: 'MgO',
    cell: cubic(4.2117),
    wyckoff: 'Mg 4a (0,0,0); O 4b (1/2,1/2,1/2)',
    references: [{ what: 'a = 4.2117 A (room temperature)', source: 'R. M. Hazen, Am. Mineral. 61, 266 (1976)' }],
    densityGramsPerCm3: 3.58,
    nearestNeighbor: { pair: ['Mg', 'O'], distanceAngstrom: 2.1059 },
    sites: rockSalt('Mg', 'O'),
  },
  {
    id: 'ZnS-zincblende',
    name: 'zinc sulfide (sphalerite)',
    prototype: 'zinc blende',
    strukturbericht: 'B3',
    spaceGroup: { symbol: 'F-43m', number: 216 },
    formula: 'ZnS',
    cell: cubic(5.4093),
    wyckoff: 'Zn 4a (0,0,0); S 4c (1/4,1/4,1/4)',
    references: [{ what: 'a = 5.4093 A (pure synthetic ZnS, room temperature)', source: 'B. J. Skinner, Am. Mineral. 46, 1399 (1961)' }],
    densityGramsPerCm3: 4.09,
    nearestNeighbor: { pair: ['Zn', 'S'], distanceAngstrom: 2.3423 },
    sites: zincBlende('Zn', 'S'),
  },
  {
    id: 'GaAs-zincblende',
    name: 'gallium arsenide',
    prototype: 'zinc blende',
    strukturbericht: 'B3',
    spaceGroup: { symbol: 'F-43m', number: 216 },
    formula: 'GaAs',
    cell: cubic(5.65325),
    wyckoff: 'Ga 4a (0,0,0); As 4c (1/4,1/4,1/4)',
    references: [{ what: 'a = 5.65325 A (300 K)', source: 'J. S. Blakemore, J. Appl. Phys. 53, R123 (1982)' }],
    densityGramsPerCm3: 5.3176,
    nearestNeighbor: { pair: ['Ga', 'As'], distanceAngstrom: 2.448 },
    sites: zincBlende('Ga', 'As'),
  },
  {
    id: 'ZnO-wurtzite',
    name: 'zinc oxide (zincite)',
    prototype: 'wurtzite',
    strukturbericht: 'B4',
    spaceGroup: { symbol: 'P6_3mc', number: 186 },
    formula: 'ZnO',
    cell: hexagonal(3.2498, 5.2066),
    internal: { u: 0.3825 },
    wyckoff: 'Zn 2b (1/3,2/3,0); O 2b (1/3,2/3,u), u = 0.3825',
    references: [
      { what: 'a = 3.2498 A, c = 5.2066 A, u = 0.3825 (room temperature)', source: 'S. C. Abrahams and J. L. Bernstein, Acta Cryst. B25, 1233 (1969)' },
    ],
    densityGramsPerCm3: 5.61,
    nearestNeighbor: { pair: ['Zn', 'O'], distanceAngstrom: 1.9735 },
    sites: wurtzite('Zn', 'O', 0.3825),
  },
  {
    id: 'GaN-wurtzite',
    name: 'gallium nitride',
    prototype: 'wurtzite',
    strukturbericht: 'B4',
    spaceGroup: { symbol: 'P6_3mc', number: 186 },
    formula: 'GaN',
    cell: hexagonal(3.189, 5.1855),
    internal: { u: 0.377 },
    wyckoff: 'Ga 2b (1/3,2/3,0); N 2b (1/3,2/3,u), u = 0.377',
    references: [
      { what: 'a = 3.1890 A, c = 5.1855 A (bulk crystal, room temperature)', source: 'M. Leszczynski et al., Appl. Phys. Lett. 69, 73 (1996)' },
      { what: 'u = 0.377', source: 'H. Schulz and K. H. Thiemann, Solid State Commun. 23, 815 (1977)' },
    ],
    densityGramsPerCm3: 6.15,
    nearestNeighbor: { pair: ['Ga', 'N'], distanceAngstrom: 1.9485 },
    sites: wurtzite('Ga', 'N', 0.377),
  },
  {
    id: 'SrTiO3-perovskite',
    name: 'strontium titanate',
    prototype: 'cubic perovskite',
    strukturbericht: 'E2_1',
    spaceGroup: { symbol: 'Pm-3m', number: 221 },
    formula: 'SrTiO3',
    cell: cubic(3.905),
    wyckoff: 'Sr 1a (0,0,0); Ti 1b (1/2,1/2,1/2); O 3c (0,1/2,1/2)',
    references: [{ what: 'a = 3.905 A (room temperature, cubic phase)', source: `${NBS_539}, vol. 3 (1954)` }],
    densityGramsPerCm3: 5.12,
    nearestNeighbor: { pair: ['Ti', 'O'], distanceAngstrom: 1.9525 },
    sites: () =>
      new SiteList()
        .add('Sr', [[0, 0, 0]])
        .add('Ti', [[0.5, 0.5, 0.5]])
        .add('O', [
          [0, 0.5, 0.5],
          [0.5, 0, 0.5],
          [0.5, 0.5, 0],
        ]),
  },
  {
    id: 'TiO2-rutile',
    name: 'titanium dioxide (rutile)',
    prototype: 'rutile',
    strukturbericht: 'C4',
    spaceGroup: { symbol: 'P4_2/mnm', number: 136 },
    formula: 'TiO2',
    cell: tetragonal(4.5937, 2.9587),
    internal: { x: 0.3048 },
    wyckoff: 'Ti 2a (0,0,0); O 4f (x,x,0), x = 0.3048',
    references: [{ what: 'a = 4.5937 A, c = 2.9587 A, x = 0.3048 (25 C)', source: 'S. C. Abrahams and J. L. Bernstein, J. Chem. Phys. 55, 3206 (1971)' }],
    densityGramsPerCm3: 4.25,
    nearestNeighbor: { pair: ['Ti', 'O'], distanceAngstrom: 1.9485 },
    sites: () => {
      const x = 0.3048;
      return new SiteList()
        .add('Ti', [
          [0, 0, 0],
          [0.5, 0.5, 0.5],
        ])
        .add('O', [
          [x, x, 0],
          [-x, -x, 0],
          [0.5 + x, 0.5 - x, 0.5],
          [0.5 - x, 0.5 + x, 0.5],
        ]);
    },
  },
  {
    id: 'CaF2-fluorite',
    name: 'calcium fluoride (fluorite)',
    prototype: 'fluorite',
    strukturbericht: 'C1',
    spaceGroup: { symbol: 'Fm-3m', number: 225 },
    formula: 'CaF2',
    cell: cubic(5.4626),
    wyckoff: 'Ca 4a (0,0,0); F 8c (1/4,1/4,1/4)',
    references: [{ what: 'a = 5.4626 A (26 C)', source: `${NBS_539}, vol. 1 (1953)` }],
    densityGramsPerCm3: 3.18,
    nearestNeighbor: { pair: ['Ca', 'F'], distanceAngstrom: 2.3654 },
    sites: () =>
      new SiteList().add('Ca', centred([[0, 0, 0]], F_CENTRING)).add(
        'F',
        centred(
          [
            [0.25, 0.25, 0.25],
            [0.75, 0.75, 0.75],
          ],
          F_CENTRING,
        ),
      ),
  },
  {
    id: 'MgAl2O4-spinel',
    name: 'magnesium aluminate (spinel), normal',
    prototype: 'spinel',
    strukturbericht: 'H1_1',
    spaceGroup: { symbol: 'Fd-3m', number: 227 },
    formula: 'MgAl2O4',
    cell: cubic(8.083),
    internal: { u: 0.3874 },
    wyckoff: 'origin choice 1: Mg 8a (0,0,0); Al 16d (5/8,5/8,5/8); O 32e (u,u,u), u = 0.3874 (0.2624 in origin choice 2)',
    references: [
      { what: 'a = 8.083 A (synthetic MgAl2O4, room temperature)', source: 'ICDD Powder Diffraction File 21-1152' },
      {
        what: 'u = 0.3874 in origin choice 1 (0.2624 in origin choice 2), typical of ordered stoichiometric MgAl2O4',
        source: 'cf. the review by R. J. Hill, J. R. Craig and G. V. Gibbs, Phys. Chem. Minerals 4, 317 (1979)',
      },
    ],
    densityGramsPerCm3: 3.58,
    nearestNeighbor: { pair: ['Mg', 'O'], distanceAngstrom: 1.9236 },
    sites: spinel('Mg', 'Al', 'O', 0.2624 + 0.125),
  },
  {
    id: 'Si-diamond',
    name: 'silicon',
    prototype: 'diamond',
    strukturbericht: 'A4',
    spaceGroup: { symbol: 'Fd-3m', number: 227 },
    formula: 'Si',
    cell: cubic(5.431020511),
    wyckoff: 'Si 8a (0,0,0), (1/4,1/4,1/4) (origin choice 1)',
    references: [{ what: 'a = 5.431020511 A (22.5 C, vacuum)', source: 'CODATA 2018: E. Tiesinga et al., Rev. Mod. Phys. 93, 025010 (2021)' }],
    densityGramsPerCm3: 2.329,
    nearestNeighbor: { pair: ['Si', 'Si'], distanceAngstrom: 2.3517 },
    sites: () =>
      new SiteList().add(
        'Si',
        centred(
          [
            [0, 0, 0],
            [0.25, 0.25, 0.25],
          ],
          F_CENTRING,
        ),
      ),
  },
  {
    id: 'Fe-bcc',
    name: 'iron (alpha, ferrite)',
    prototype: 'body-centred cubic',
    strukturbericht: 'A2',
    spaceGroup: { symbol: 'Im-3m', number: 229 },
    formula: 'Fe',
    cell: cubic(2.8664),
    wyckoff: 'Fe 2a (0,0,0)',
    references: [{ what: 'a = 2.8664 A (25 C)', source: `${NBS_539}, vol. 4 (1955)` }],
    densityGramsPerCm3: 7.874,
    nearestNeighbor: { pair: ['Fe', 'Fe'], distanceAngstrom: 2.4824 },
    sites: () => new SiteList().add('Fe', centred([[0, 0, 0]], I_CENTRING)),
  },
  {
    id: 'Cu-fcc',
    name: 'copper',
    prototype: 'face-centred cubic',
    strukturbericht: 'A1',
    spaceGroup: { symbol: 'Fm-3m', number: 225 },
    formula: 'Cu',
    cell: cubic(3.615),
    wyckoff: 'Cu 4a (0,0,0)',
    references: [{ what: 'a = 3.6150 A (25 C)', source: `${NBS_539}, vol. 1 (1953)` }],
    densityGramsPerCm3: 8.96,
    nearestNeighbor: { pair: ['Cu', 'Cu'], distanceAngstrom: 2.5562 },
    sites: () => new SiteList().add('Cu', centred([[0, 0, 0]], F_CENTRING)),
  },
  {
    id: 'CsCl-caesiumchloride',
    name: 'caesium chloride',
    prototype: 'caesium chloride',
    strukturbericht: 'B2',
    spaceGroup: { symbol: 'Pm-3m', number: 221 },
    formula: 'CsCl',
    cell: cubic(4.123),
    wyckoff: 'Cs 1a (0,0,0); Cl 1b (1/2,1/2,1/2)',
    references: [{ what: 'a = 4.123 A (room temperature)', source: `${NBS_539}, vol. 2 (1953)` }],
    densityGramsPerCm3: 3.99,
    nearestNeighbor: { pair: ['Cs', 'Cl'], distanceAngstrom: 3.5706 },
    sites: () => new SiteList().add('Cs', [[0, 0, 0]]).add('Cl', [[0.5, 0.5, 0.5]]),
  },
];

/** The P1 structure of a prototype (conventional cell). */
export function buildDemoStructure(p: DemoPrototype): Structure {
  const { a, b, c, alpha, beta, gamma } = p.cell;
  const { species, frac } = p.sites();
  return Structure.fromFractional(Lattice.fromParameters(a, b, c, alpha, beta, gamma), species, frac, { name: p.id });
}

export const DEMO_GENERATOR = 'scripts/generate-demo-structures.mjs';

/** The CIF text of a prototype, as committed in resources/demo/<id>.cif. */
export function demoCif(p: DemoPrototype): string {
  const s = buildDemoStructure(p);
  const comment = [
    `${p.name}: ${p.prototype} prototype (${p.strukturbericht}, ${p.spaceGroup.symbol}, No. ${p.spaceGroup.number}), written in P1.`,
    'Textbook prototype: idealised positions, not relaxed.',
    `Wyckoff positions: ${p.wyckoff}.`,
    ...p.references.map((r) => `${r.what}: ${r.source}.`),
    `Generated by ${DEMO_GENERATOR} (Crystal Property Studio); do not edit by hand.`,
  ].join('\n');
  return writeCif(s, { blockName: p.id, comment });
}

export interface DemoIndexEntry {
  id: string;
  name: string;
  prototype: string;
  strukturbericht: string;
  spaceGroup: string;
  spaceGroupNumber: number;
  formula: string;
  file: string;
  atoms: number;
  cell: DemoPrototype['cell'];
  references: DemoReference[];
}

/** resources/demo/demo.json. */
export function demoIndex(): { format: string; description: string; structures: DemoIndexEntry[] } {
  return {
    format: 'crystal-property-studio/demo-structures',
    description: 'Textbook structure prototypes (idealised, not relaxed) with experimental room-temperature lattice constants; see README.md.',
    structures: DEMO_PROTOTYPES.map((p) => ({
      id: p.id,
      name: p.name,
      prototype: p.prototype,
      strukturbericht: p.strukturbericht,
      spaceGroup: p.spaceGroup.symbol,
      spaceGroupNumber: p.spaceGroup.number,
      formula: p.formula,
      file: `${p.id}.cif`,
      atoms: p.sites().species.length,
      cell: { ...p.cell },
      references: p.references.map((r) => ({ ...r })),
    })),
  };
}

function fmtCell(p: DemoPrototype): string {
  const { a, c, gamma } = p.cell;
  if (a === c) return `a = ${a}`;
  return `a = ${a}, c = ${c}${gamma === 120 ? ' (hexagonal)' : ''}`;
}

/** resources/demo/README.md. */
export function demoReadme(): string {
  const rows = DEMO_PROTOTYPES.map((p) => {
    const internal = p.internal ? ', ' + Object.entries(p.internal).map(([k, v]) => `${k} = ${v}`).join(', ') : '';
    const refs = p.references.map((r) => `${r.what}: ${r.source}`).join('; ');
    return `| \`${p.id}.cif\` | ${p.formula} | ${p.prototype} (${p.strukturbericht}, ${p.spaceGroup.symbol}) | ${p.sites().species.length} | ${fmtCell(p)}${internal} | ${refs} |`;
  });
  return [
    '# Demo structures',
    '',
    'A small set of crystals to try Crystal Property Studio and `mtcgcnn screen` on without data of your own:',
    '',
    '```sh',
    'mtcgcnn screen resources/demo --out demo-predictions.csv     # uses the shipped default model',
    '```',
    '',
    'Every file is a **textbook structure prototype**: the occupied Wyckoff positions of the prototype\'s space group,',
    'written out in the conventional cell and saved in P1, with an experimental room-temperature lattice constant',
    'from the literature. The structures are **idealised, not relaxed** (no DFT or force-field optimisation; the free',
    'internal coordinates of wurtzite, rutile and spinel are fixed at the cited experimental values). They are meant',
    'for demonstrations, not as reference data.',
    '',
    'The files are written by this project, not copied from any database: `src-main/core/demo/prototypes.ts` holds',
    `the prototypes, and \`node ${DEMO_GENERATOR}\` (re)writes the \`*.cif\` files, \`demo.json\` and this README.`,
    '`test/unit/demo-structures.test.ts` checks that the committed files are up to date, that each parses, and that',
    'atom counts, densities and nearest-neighbour distances match the known values.',
    '',
    '| file | formula | prototype | atoms | cell (A) | source of the lattice constants |',
    '|---|---|---|---|---|---|',
    ...rows,
    '',
    'The lattice constants are the usual room-temperature values; the sources were compiled from standard references',
    'without access to every original. If you find a discrepancy, correct `src-main/core/demo/prototypes.ts` and',
    'regenerate.',
    '',
    '`demo.json` lists the same structures (id, name, prototype, formula, file, atom count, cell, references).',
    '',
  ].join('\n');
}
