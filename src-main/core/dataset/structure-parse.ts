/**
 * Parse callbacks for validateDataset built on the project's structure readers (core/io).
 * Every reader failure (StructureReadError) becomes an `{ error }` outcome with the reader's message.
 */
import { type NamedStructure, type ReadOptions, readStructureFile, readStructureFileSync } from '../io';
import type { AsyncStructureParseFn, StructureParseFn, StructureParseOutcome } from './validation-report';

function outcomeOf(structures: NamedStructure[]): StructureParseOutcome {
  if (structures.length === 0) return { ok: false, error: 'no structure in the file' };
  const first = structures[0];
  const s = first.structure;
  const warnings = [...first.warnings];
  if (structures.length > 1) warnings.push(`the file holds ${structures.length} structures; the first (${first.name}) is used`);
  return {
    ok: true,
    numAtoms: s.sites.length,
    formula: s.reducedFormula(),
    atomicNumbers: s.sites.map((site) => site.z),
    warnings,
  };
}

function errorOutcome(e: unknown): StructureParseOutcome {
  return { ok: false, error: e instanceof Error ? e.message : String(e) };
}

/** Synchronous parse callback reading each file with readStructureFileSync. */
export function structureFileParser(options?: ReadOptions): StructureParseFn {
  return (file) => {
    try {
      return outcomeOf(readStructureFileSync(file, options));
    } catch (e) {
      return errorOutcome(e);
    }
  };
}

/** Asynchronous parse callback reading each file with readStructureFile. */
export function structureFileParserAsync(options?: ReadOptions): AsyncStructureParseFn {
  return async (file) => {
    try {
      return outcomeOf(await readStructureFile(file, options));
    } catch (e) {
      return errorOutcome(e);
    }
  };
}
