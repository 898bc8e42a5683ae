/**
 * Every shipped model (resources/models/*) still predicts what it predicted when it was made: the first 200 crystals
 * of its test split (rebuilt from mp-cgcnn-25k with the project's splitIndices and the card's seed, 60/20/20) are
 * featurized and predicted with the bundle and compared with its test-predictions.json to 1e-4; and the test MAE in
 * its card is the MAE of the test-split predictions recorded in its training-run.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadBundle } from '../../src-main/core/model/bundle';
import { resolveTask } from '../../src-main/core/model/config';
import { readTestPredictions, TEST_PREDICTIONS_COUNT } from '../../src-main/core/catalogue/test-predictions';
import { predictTestSubset } from '../../src-main/core/catalogue/test-subset';

const ROOT = path.resolve(__dirname, '../..');
const DATASET = path.resolve(ROOT, '..', 'shared', 'datasets', 'mp-cgcnn-25k');
const HAVE = fs.existsSync(path.join(DATASET, 'id_prop.csv'));
if (!HAVE) console.warn(`shipped-models: ${DATASET} not found; the shipped-model checks are skipped (they need ../shared)`);
const MODELS = path.join(ROOT, 'resources', 'models');
const shipped = fs.readdirSync(MODELS).filter((d) => fs.existsSync(path.join(MODELS, d, 'model.json')));

describe('shipped models', () => {
  it('are there', () => {
    expect(shipped.length).toBeGreaterThanOrEqual(1);
  });

  describe.skipIf(!HAVE).each(shipped)('%s', (name) => {
    const dir = path.join(MODELS, name);

    it(`predicts the first ${TEST_PREDICTIONS_COUNT} test crystals as recorded (1e-4)`, async () => {
      const recorded = readTestPredictions(dir);
      expect(recorded, `${name} has no test-predictions.json (node scripts/shipped-test-predictions.mjs)`).toBeDefined();
      const now = await predictTestSubset(dir, DATASET);
      expect(now.ids).toEqual(recorded!.ids);
      expect(recorded!.ids).toHaveLength(TEST_PREDICTIONS_COUNT);
      now.tasks.forEach((t, k) => {
        const before = recorded!.predictions[t.name];
        let worst = 0;
        now.predictions[k].forEach((p, i) => {
          worst = Math.max(worst, Math.abs(p - before[i]));
        });
        expect(worst, `${t.name}: largest difference`).toBeLessThan(1e-4);
      });
    }, 120_000);

    it('has the test MAE in its card that its recorded test predictions give', () => {
      const bundle = loadBundle(dir);
      const card = bundle.json.trainingCard!;
      const run = JSON.parse(fs.readFileSync(path.join(dir, 'training-run.json'), 'utf8')) as {
        test: { true: (number | null)[][]; pred: number[][] };
      };
      bundle.config.tasks.forEach((task, k) => {
        if (resolveTask(task).kind === 'classification') return;
        let sum = 0;
        let n = 0;
        run.test.true[k].forEach((y, i) => {
          if (y === null) return;
          sum += Math.abs(run.test.pred[k][i] - y);
          n++;
        });
        expect(n).toBe(card.testMetrics!.tasks[task.name].n);
        expect(sum / n).toBeCloseTo(card.testMetrics!.tasks[task.name].mae!, 9);
      });
    });
  });
});
