/**
 * Re-predicting the start of a model's test split from its dataset folder: the split is rebuilt with the project's
 * splitIndices from the seed in the model's card (so it only applies to models trained on a seeded split of the whole
 * folder, as the shipped ones are), the first crystals are featurized and predicted with the bundle.
 */
import { scanDataset } from '../dataset';
import { featurizeDataset } from '../featurize/featurize-dataset';
import { loadBundle } from '../model/bundle';
import { Predictor } from '../model/predictor';
import { splitIndices } from '../metrics/split';
import { TEST_PREDICTIONS_COUNT } from './test-predictions';

export interface TestSubsetPrediction {
  /** Split seed and sizes from the card. */
  split: { seed: number; train: number; val: number; test: number };
  ids: string[];
  /** Per task (bundle order): predictions, and the labels in the dataset (NaN = missing). */
  predictions: Float64Array[];
  labels: Float64Array[];
  tasks: { name: string; unit: string }[];
}

/** Predicts the first `count` test crystals of the model in `modelDir` (trained on `datasetDir`). */
export async function predictTestSubset(modelDir: string, datasetDir: string, count = TEST_PREDICTIONS_COUNT): Promise<TestSubsetPrediction> {
  const bundle = loadBundle(modelDir);
  const card = bundle.json.trainingCard;
  if (!card || card.split.seed === null) throw new Error(`${modelDir}: the model card records no split seed, so its test split cannot be rebuilt`);
  const scan = await scanDataset(datasetDir);
  const n = scan.entries.length;
  const split = splitIndices(n, { seed: card.split.seed });
  if (split.train.length !== card.split.train || split.val.length !== card.split.val || split.test.length !== card.split.test) {
    throw new Error(
      `${modelDir}: its card's split (${card.split.train}/${card.split.val}/${card.split.test}) is not the ${split.train.length}/${split.val.length}/${split.test.length} split of the ${n} crystals in ${datasetDir}`,
    );
  }
  const entries = Array.from(split.test.slice(0, count), (i) => scan.entries[i]);
  const feat = await featurizeDataset(entries.map((e) => ({ id: e.id, file: e.file })), { settings: bundle.graphSettings, threads: 1 });
  if (feat.errors.length) throw new Error(`${datasetDir}: ${feat.errors.length} test crystals unreadable (${feat.errors[0].id}: ${feat.errors[0].reason})`);
  const predictor = await Predictor.load(modelDir);
  try {
    const pred = predictor.predict(feat.graphs.map((g) => g!));
    const columns = bundle.config.tasks.map((t) => scan.tasks.findIndex((c) => c.name === (t.derivedFrom?.column ?? t.name)));
    return {
      split: { seed: card.split.seed, train: card.split.train, val: card.split.val, test: card.split.test },
      ids: entries.map((e) => e.id),
      predictions: pred.mean,
      labels: columns.map((c) => Float64Array.from(entries, (e) => (c >= 0 ? e.labels[c] : NaN))),
      tasks: bundle.config.tasks.map((t) => ({ name: t.name, unit: t.unit })),
    };
  } finally {
    predictor.dispose();
  }
}
