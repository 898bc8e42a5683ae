// Writes test-predictions.json into shipped model bundles that lack one (bundles trained before training runs wrote
// it): the predictions of the bundle, as the app makes them now, for the first 200 crystals of its test split. The
// file says it was generated after training by this script. Run once per bundle; never overwrites an existing file
// unless --force. Usage: node scripts/shipped-test-predictions.mjs [--data ../shared/datasets/mp-cgcnn-25k] [--force] [NAME...]
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
const { predictTestSubset } = await jiti.import(path.resolve('src-main/core/catalogue/test-subset.ts'));
const { TEST_PREDICTIONS_FILE, testPredictionsRecord } = await jiti.import(path.resolve('src-main/core/catalogue/test-predictions.ts'));

const root = path.resolve('resources', 'models');
const dirs = fs.readdirSync(root).filter((d) => fs.existsSync(path.join(root, d, 'model.json')) && (names.length === 0 || names.includes(d)));
for (const d of dirs) {
  const dir = path.join(root, d);
  const file = path.join(dir, TEST_PREDICTIONS_FILE);
  if (fs.existsSync(file) && !force) {
    console.log(`${d}: has ${TEST_PREDICTIONS_FILE}, left as it is`);
    continue;
  }
  const p = await predictTestSubset(dir, data);
  const rec = testPredictionsRecord(
    { seed: p.split.seed, test: p.split.test }, p.ids, p.tasks, p.predictions,
    'generated after training by scripts/shipped-test-predictions.mjs with the predictor of this version (band gaps clamped at 0)',
  );
  fs.writeFileSync(file, JSON.stringify(rec) + '\n');
  console.log(`${d}: ${rec.ids.length} test predictions written to ${path.relative(process.cwd(), file)}`);
}
