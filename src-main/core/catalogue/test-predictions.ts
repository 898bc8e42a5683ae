/**
 * test-predictions.json: a compact record, in every model bundle, of what the model predicted at training time for
 * the first crystals of its test split (ids + per-task predictions in the task's terms: original units, band gaps
 * clamped at 0, classification probabilities). A test (test/unit/shipped-models.test.ts) re-predicts them with the
 * shipped bundle, so a shipped claim cannot go stale without a failing test.
 */
import fs from 'node:fs';
import path from 'node:path';

export const TEST_PREDICTIONS_FILE = 'test-predictions.json';
export const TEST_PREDICTIONS_FORMAT = 'crystal-property-studio/test-predictions';
/** Crystals recorded (the first of the test split, in split order). */
export const TEST_PREDICTIONS_COUNT = 200;

export interface TestPredictionsJson {
  format: typeof TEST_PREDICTIONS_FORMAT;
  formatVersion: 1;
  /** Seed of the split (null: an explicit split) and how many test crystals the split had. */
  split: { seed: number | null; test: number };
  /** Ids of the first test crystals, in split order. */
  ids: string[];
  /** Per task name, one prediction per id (ensemble mean). */
  predictions: Record<string, number[]>;
  /** How the file was made: 'training' (written with the bundle) or a note naming the script that made it later. */
  source: string;
  createdAt: string;
}

/** The record of the first TEST_PREDICTIONS_COUNT test crystals. */
export function testPredictionsRecord(
  split: { seed: number | null; test: number },
  ids: readonly string[],
  tasks: readonly { name: string }[],
  predictions: readonly ArrayLike<number>[],
  source: string,
  createdAt = new Date().toISOString(),
): TestPredictionsJson {
  const n = Math.min(TEST_PREDICTIONS_COUNT, ids.length);
  return {
    format: TEST_PREDICTIONS_FORMAT, formatVersion: 1, split, ids: ids.slice(0, n),
    predictions: Object.fromEntries(tasks.map((t, k) => [t.name, Array.from(predictions[k]).slice(0, n)])),
    source, createdAt,
  };
}

/** Reads a bundle's test-predictions.json; undefined when it has none. Throws naming the file when it is malformed. */
export function readTestPredictions(dir: string): TestPredictionsJson | undefined {
  const file = path.join(dir, TEST_PREDICTIONS_FILE);
  if (!fs.existsSync(file)) return undefined;
  const json = JSON.parse(fs.readFileSync(file, 'utf8')) as TestPredictionsJson;
  if (json.format !== TEST_PREDICTIONS_FORMAT || !Array.isArray(json.ids)) throw new Error(`${file} is not a test-predictions record`);
  for (const [task, values] of Object.entries(json.predictions)) {
    if (!Array.isArray(values) || values.length !== json.ids.length) throw new Error(`${file}: task ${task} has ${values?.length} predictions for ${json.ids.length} ids`);
  }
  return json;
}
