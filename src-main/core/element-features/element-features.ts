import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourcesDir } from './resources-path';

/** Highest atomic number a feature table can hold (Og). */
export const MAX_Z = 118;

/** Rows in matrix(): index = atomic number, row 0 unused. */
export const MATRIX_ROWS = MAX_Z + 1;

/** File name of the builtin table under `<resources>/elements/` (written by scripts/generate-element-features.mjs). */
export const BUILTIN_FILE = 'atom-features-cgcnn92.json';

/** CGCNN's atom_init.json format: atomic number (as a string key) -> feature vector. */
export type CgcnnAtomInit = Record<string, number[]>;

/** A feature table that cannot be read or is malformed. */
export class ElementFeatureError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ElementFeatureError';
  }
}

const INTEGER_KEY = /^[1-9][0-9]*$/;

/**
 * Immutable element feature table: a fixed-length vector per element (CGCNN: 92-long one-hot).
 * Stored as one [119, dimension] matrix indexed by atomic number, which the model gathers from.
 */
export class ElementFeatureTable {
  /** Length of every feature vector. */
  readonly dimension: number;
  /** Where the table came from (file path, 'builtin:…', or a caller-given label). */
  readonly source: string;
  /** Atomic numbers present, ascending. */
  readonly elements: readonly number[];
  readonly #matrix: Float32Array;
  readonly #known: Uint8Array;

  private constructor(dimension: number, matrix: Float32Array, known: Uint8Array, source: string) {
    this.dimension = dimension;
    this.#matrix = matrix;
    this.#known = known;
    this.source = source;
    const zs: number[] = [];
    for (let z = 1; z <= MAX_Z; z++) if (known[z]) zs.push(z);
    this.elements = Object.freeze(zs);
    Object.freeze(this);
  }

  /** Number of elements with a vector. */
  get size(): number {
    return this.elements.length;
  }

  /** True when atomic number `z` has a feature vector. */
  has(z: number): boolean {
    return Number.isInteger(z) && z >= 1 && z <= MAX_Z && this.#known[z] === 1;
  }

  /** Copy of the feature vector of element `z`; throws a clear error for elements not in the table. */
  vector(z: number): Float32Array {
    if (!this.has(z)) {
      throw new ElementFeatureError(`element Z=${z} has no features in ${this.source}`);
    }
    return this.#matrix.slice(z * this.dimension, (z + 1) * this.dimension);
  }

  /** Copy of the whole table as a row-major [119, dimension] matrix; row z = element z, unknown rows zero. */
  matrix(): Float32Array {
    return this.#matrix.slice();
  }

  /** Copy of the [119] mask: known[z] = 1 when element z has a vector. */
  get known(): Uint8Array {
    return this.#known.slice();
  }

  /** The distinct atomic numbers among `zs` that the table lacks, ascending. */
  missing(zs: Iterable<number>): number[] {
    const out = new Set<number>();
    for (const z of zs) if (!this.has(z)) out.add(z);
    return [...out].sort((a, b) => a - b);
  }

  /** CGCNN atom_init.json form ({"Z": [...]}, keys ascending). */
  toJSON(): CgcnnAtomInit {
    const out: CgcnnAtomInit = {};
    for (const z of this.elements) out[String(z)] = Array.from(this.vector(z));
    return out;
  }

  /**
   * From a parsed CGCNN atom_init.json object. Validates: a plain object; keys are integers 1..118;
   * every value is a non-empty array of finite numbers; all rows have the same length.
   */
  static fromCgcnnJson(obj: unknown, source = 'inline'): ElementFeatureTable {
    const fail = (msg: string): never => {
      throw new ElementFeatureError(`${source}: ${msg}`);
    };
    if (typeof obj !== 'object' || obj === null || Array.isArray(obj)) {
      return fail('expected a JSON object {"<atomic number>": [features...]}');
    }
    const entries = Object.entries(obj as Record<string, unknown>);
    if (entries.length === 0) return fail('no elements');
    let dimension = -1;
    let firstKey = '';
    const rows: [number, readonly unknown[]][] = [];
    for (const [key, value] of entries) {
      if (!INTEGER_KEY.test(key) || Number(key) > MAX_Z) {
        fail(`key "${key}" is not an atomic number 1..${MAX_Z}`);
      }
      if (!Array.isArray(value)) fail(`element ${key}: expected an array of numbers`);
      const row = value as readonly unknown[];
      if (row.length === 0) fail(`element ${key}: empty feature vector`);
      if (dimension < 0) {
        dimension = row.length;
        firstKey = key;
      } else if (row.length !== dimension) {
        fail(`element ${key} has ${row.length} features but element ${firstKey} has ${dimension}`);
      }
      for (let i = 0; i < row.length; i++) {
        const v = row[i];
        if (typeof v !== 'number' || !Number.isFinite(v)) {
          fail(`element ${key}, feature ${i}: ${JSON.stringify(v) ?? String(v)} is not a finite number`);
        }
      }
      rows.push([Number(key), row]);
    }
    const matrix = new Float32Array(MATRIX_ROWS * dimension);
    const known = new Uint8Array(MATRIX_ROWS);
    for (const [z, row] of rows) {
      matrix.set(row as number[], z * dimension);
      known[z] = 1;
    }
    return new ElementFeatureTable(dimension, matrix, known, source);
  }

  /** From a user-supplied atom_init.json file. */
  static loadFile(path: string): ElementFeatureTable {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ElementFeatureError(`cannot read element features ${path}: ${(e as Error).message}`);
    }
    let obj: unknown;
    try {
      obj = JSON.parse(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text);
    } catch (e) {
      throw new ElementFeatureError(`${path}: not valid JSON (${(e as Error).message})`);
    }
    return ElementFeatureTable.fromCgcnnJson(obj, path);
  }

  static #builtin: ElementFeatureTable | undefined;

  /**
   * The table shipped with the app: CGCNN's 92-long encoding generated from this project's element
   * property table (resources/elements/atom-features-cgcnn92.json). Loaded once, then cached.
   */
  static builtin(): ElementFeatureTable {
    if (!ElementFeatureTable.#builtin) {
      const path = join(resourcesDir(), 'elements', BUILTIN_FILE);
      ElementFeatureTable.#builtin = ElementFeatureTable.loadFile(path);
    }
    return ElementFeatureTable.#builtin;
  }
}
