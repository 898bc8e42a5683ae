/**
 * What the Screening view asks main for, built from what the user entered: the screen:start request for a model and a
 * folder (with its default name), and the path a CSV export is written to. Plain TypeScript (unit tests:
 * test/renderer/screening-request.test.ts).
 */
import type { StartScreeningRequest } from '@contract';
import type { ModelOption } from './model-options';

/** Longest screening name (characters); the name field and the default name keep to it. */
export const MAX_SCREENING_NAME = 80;

/** The Screen-a-folder form as entered (not yet trimmed). */
export interface ScreeningSetupInput {
  folder: string;
  /** '' = the default name. */
  name: string;
  recursive: boolean;
}

/** The name typed, else "<last folder of the path> with <model>"; at most MAX_SCREENING_NAME characters. */
export function screeningName(input: Pick<ScreeningSetupInput, 'folder' | 'name'>, modelName: string): string {
  const typed = input.name.trim();
  const folderName = input.folder.trim().split(/[\\/]/).filter(Boolean).pop() ?? 'folder';
  return (typed || `${folderName} with ${modelName}`).slice(0, MAX_SCREENING_NAME);
}

/** screen:start for a project run (by run id) or a catalogue model (by source and name). */
export function startScreeningRequest(model: Pick<ModelOption, 'name' | 'ref'>, input: ScreeningSetupInput): StartScreeningRequest {
  const base = { folder: input.folder.trim(), name: screeningName(input, model.name), recursive: input.recursive };
  return model.ref.kind === 'run' ? { runId: model.ref.runId, ...base } : { model: model.ref.model, ...base };
}

/** The chosen save path with a .csv extension (kept when it has one, in any case). */
export function csvExportPath(path: string): string {
  return /\.csv$/i.test(path) ? path : `${path}.csv`;
}
