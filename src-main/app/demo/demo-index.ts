/**
 * The demo structures as the app lists them: resources/demo/demo.json (written by
 * scripts/generate-demo-structures.mjs from src-main/core/demo/prototypes.ts), checked field by field, with every
 * file resolved to an absolute path inside the demo folder. Main reads it; the renderer gets it through demo:info.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { resourcesDir } from '../../core/element-features/resources-path';
import type { DemoStructure } from '../../../src-shared/contract';

export const DEMO_INDEX_FILE = 'demo.json';
export const DEMO_INDEX_FORMAT = 'crystal-property-studio/demo-structures';

export interface DemoIndex {
  /** Absolute path of the demo folder (the one that holds demo.json and the CIFs). */
  dir: string;
  description: string;
  structures: DemoStructure[];
}

export class DemoIndexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DemoIndexError';
  }
}

/** <resources>/demo (MTCGCNN_RESOURCES, or the resources folder found upwards; see resources-path.ts). */
export function demoResourcesDir(resources?: string): string {
  return path.join(resources ?? resourcesDir(), 'demo');
}

function field<T>(o: Record<string, unknown>, key: string, what: string, check: (v: unknown) => v is T, expected: string): T {
  const v = o[key];
  if (!check(v)) throw new DemoIndexError(`${what}: "${key}" must be ${expected}`);
  return v;
}

const isString = (v: unknown): v is string => typeof v === 'string' && v.trim() !== '';
const isNumber = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);
const isPositiveInt = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v > 0;
const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function parseEntry(v: unknown, i: number, dir: string): DemoStructure {
  const what = `structures[${i}]`;
  if (!isRecord(v)) throw new DemoIndexError(`${what} must be an object`);
  const file = field(v, 'file', what, isString, 'a file name');
  // A plain name in the demo folder: demo.json never points elsewhere on disk.
  if (file !== path.basename(file) || file.startsWith('.') || /[\\/]/.test(file)) throw new DemoIndexError(`${what}: "file" must be a file name in the demo folder, not ${JSON.stringify(file)}`);
  const cell = field(v, 'cell', what, isRecord, 'an object');
  const num = (k: string) => field(cell, k, `${what}.cell`, isNumber, 'a number');
  const refs = field(v, 'references', what, Array.isArray, 'a list');
  return {
    id: field(v, 'id', what, isString, 'a string'),
    name: field(v, 'name', what, isString, 'a string'),
    formula: field(v, 'formula', what, isString, 'a string'),
    prototype: field(v, 'prototype', what, isString, 'a string'),
    strukturbericht: field(v, 'strukturbericht', what, isString, 'a string'),
    spaceGroup: field(v, 'spaceGroup', what, isString, 'a string'),
    spaceGroupNumber: field(v, 'spaceGroupNumber', what, isPositiveInt, 'a positive integer'),
    atoms: field(v, 'atoms', what, isPositiveInt, 'a positive integer'),
    file: path.join(dir, file),
    cell: { a: num('a'), b: num('b'), c: num('c'), alpha: num('alpha'), beta: num('beta'), gamma: num('gamma') },
    references: refs.map((r, k) => {
      if (!isRecord(r)) throw new DemoIndexError(`${what}.references[${k}] must be an object`);
      return { what: field(r, 'what', `${what}.references[${k}]`, isString, 'a string'), source: field(r, 'source', `${what}.references[${k}]`, isString, 'a string') };
    }),
  };
}

/** Parses the text of demo.json (found in `dir`); throws DemoIndexError naming the bad field. */
export function parseDemoIndex(text: string, dir: string): DemoIndex {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new DemoIndexError(`${DEMO_INDEX_FILE} is not valid JSON: ${(err as Error).message}`);
  }
  if (!isRecord(json) || json.format !== DEMO_INDEX_FORMAT) throw new DemoIndexError(`${DEMO_INDEX_FILE} is not a demo index (format "${DEMO_INDEX_FORMAT}")`);
  if (!Array.isArray(json.structures) || json.structures.length === 0) throw new DemoIndexError(`${DEMO_INDEX_FILE} lists no structures`);
  const structures = json.structures.map((e, i) => parseEntry(e, i, dir));
  const ids = new Set<string>();
  for (const s of structures) {
    if (ids.has(s.id)) throw new DemoIndexError(`${DEMO_INDEX_FILE} lists "${s.id}" twice`);
    ids.add(s.id);
  }
  return { dir, description: typeof json.description === 'string' ? json.description : '', structures };
}

/** Reads <dir>/demo.json (default: the shipped demo folder) and checks that every structure file is there. */
export async function readDemoIndex(dir = demoResourcesDir()): Promise<DemoIndex> {
  const file = path.join(dir, DEMO_INDEX_FILE);
  let text: string;
  try {
    text = await fsp.readFile(file, 'utf8');
  } catch (err) {
    throw new DemoIndexError(`the demo structures are missing (${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); reinstall the app`);
  }
  const index = parseDemoIndex(text, dir);
  for (const s of index.structures) {
    const ok = await fsp.stat(s.file).then((st) => st.isFile(), () => false);
    if (!ok) throw new DemoIndexError(`${DEMO_INDEX_FILE} lists ${path.basename(s.file)}, which is not in ${dir}; reinstall the app`);
  }
  return index;
}
