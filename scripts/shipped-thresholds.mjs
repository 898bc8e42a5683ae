// Chooses the metal / non-metal decision threshold of shipped bundles trained before training runs chose it
// themselves: the band-gap (or classification) tasks of each bundle get the threshold with the best accuracy on the
// bundle's own VALIDATION split (rebuilt from the card's seed, as training does now), written into model.json as
// `decisionThreshold` with `decisionThresholdChosenOn`. Weights and their checksums are untouched. The test split is
// then scored at the new threshold and printed (the card's test figures stay those measured at training time).
// Usage: npm run build && node scripts/shipped-thresholds.mjs [--data ../shared/datasets/mp-cgcnn-25k] [--force] [NAME...]
import { createJiti } from 'jiti';
import fs from 'node:fs';
import path from 'node:path';

const args = process.argv.slice(2);
const opt = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args.splice(i, 2)[1] : fallback;
};
const data = path.resolve(opt('data', path.join('..', 'shared', 'datasets', 'mp-cgcnn-25k')));
const force = args.includes('--force');
const names = args.filter((a) => a !== '--force');
const jiti = createJiti(import.meta.url);
const { scanDataset } = await jiti.import(path.resolve('src-main/core/dataset/index.ts'));
const { featurizeDataset } = await jiti.import(path.resolve('src-main/core/featurize/featurize-dataset.ts'));
const { loadBundle } = await jiti.import(path.resolve('src-main/core/model/bundle.ts'));
const { Predictor } = await jiti.import(path.resolve('src-main/core/model/predictor.ts'));
const { splitIndices } = await jiti.import(path.resolve('src-main/core/metrics/split.ts'));
const { chooseDecisionThresholds, evaluatePredictions } = await jiti.import(path.resolve('src-main/core/metrics/summary.ts'));
const { writeFileAtomicSync } = await jiti.import(path.resolve('src-main/core/fs/atomic-write.ts'));

const scan = await scanDataset(data);
const root = path.resolve('resources', 'models');
const dirs = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'model.json')) && (names.length === 0 || names.includes(d)));

/** Predictions and labels of `indices` of the dataset with the bundle in `dir`, per bundle task. */
async function predictSplit(dir, bundle, indices) {
  const entries = Array.from(indices, (i) => scan.entries[i]);
  const feat = await featurizeDataset(entries.map((e) => ({ id: e.id, file: e.file })), { settings: bundle.graphSettings });
  if (feat.errors.length) throw new Error(`${feat.errors.length} crystals unreadable (${feat.errors[0].id}: ${feat.errors[0].reason})`);
  const predictor = await Predictor.load(dir);
  try {
    const pred = predictor.predict(feat.graphs);
    const columns = bundle.config.tasks.map((t) => scan.tasks.findIndex((c) => c.name === (t.derivedFrom?.column ?? t.name)));
    const labels = columns.map((c) => Float64Array.from(entries, (e) => (c >= 0 ? e.labels[c] : NaN)));
    return { preds: pred.mean, labels };
  } finally {
    predictor.dispose();
  }
}

for (const d of dirs) {
  const dir = path.join(root, d);
  const file = path.join(dir, 'model.json');
  const json = JSON.parse(fs.readFileSync(file, 'utf8'));
  if (json.tasks.some((t) => t.decisionThreshold !== undefined) && !force) {
    console.log(`${d}: has decision thresholds, left as it is`);
    continue;
  }
  const bundle = loadBundle(dir);
  const card = bundle.json.trainingCard;
  const split = splitIndices(scan.entries.length, { seed: card.split.seed });
  if (split.val.length !== card.split.val) throw new Error(`${d}: the card's split does not match ${data}`);
  const val = await predictSplit(dir, bundle, split.val);
  const thresholds = chooseDecisionThresholds(bundle.config.tasks, val.labels, val.preds);
  if (Object.keys(thresholds).length === 0) {
    console.log(`${d}: no band-gap or classification task`);
    continue;
  }
  for (const t of json.tasks) {
    if (thresholds[t.name] === undefined) continue;
    t.decisionThreshold = thresholds[t.name];
    t.decisionThresholdChosenOn = `validation split (${split.val.length} crystals), chosen after training by scripts/shipped-thresholds.mjs`;
  }
  writeFileAtomicSync(file, JSON.stringify(json, null, 1));
  const test = await predictSplit(dir, bundle, split.test);
  const at = (th) => evaluatePredictions(bundle.config.tasks, test.labels, test.preds, th ? { decisionThresholds: th } : {});
  const before = at(null);
  const after = at(thresholds);
  for (const name of Object.keys(thresholds)) {
    const b = before.tasks[name];
    const a = after.tasks[name];
    console.log(`${d} ${name}: threshold ${thresholds[name].toFixed(4)} (validation); test accuracy ${b.accuracy?.toFixed(3)} -> ${a.accuracy?.toFixed(3)}, F1 ${b.f1?.toFixed(3)} -> ${a.f1?.toFixed(3)}, AUC ${a.roc_auc?.toFixed(3)}; confusion ${JSON.stringify(a.confusion)}`);
  }
}
