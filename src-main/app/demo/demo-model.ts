/**
 * The shipped default model as the demo presents it: name, training data, ensemble size and, per property, the
 * held-back test MAE with its unit (from the model card; the weights are never read). `modelErrorNote` says the
 * same in one sentence for the report.
 */
import { catalogueTaskOf } from '../models/model-catalogue';
import { readModelCard, resolveModel, type CatalogueOptions, type ModelCard, type ResolvedModel } from '../../core/catalogue';
import type { DemoModel } from '../../../src-shared/contract';

export function demoModelOf(name: string, card: ModelCard): DemoModel {
  return {
    name,
    description: card.description,
    dataset: card.dataset.description ?? card.dataset.name,
    ensembleSize: card.ensembleSize,
    tasks: card.tasks.map(catalogueTaskOf),
    trainedIso: card.date,
  };
}

/** The shipped default model and its card; throws (ModelCatalogueError) when none is installed. */
export function shippedDemoModel(options: CatalogueOptions = {}): { resolved: ResolvedModel; model: DemoModel } {
  const resolved = resolveModel(undefined, options);
  return { resolved, model: demoModelOf(resolved.name, readModelCard(resolved.dir)) };
}

/** "0.123" style: three significant digits, as the app shows errors. */
function sig3(x: number): string {
  return String(Number(x.toPrecision(3)));
}

/** One sentence on the model's error: test MAE per property with units (a classifier's ROC AUC and accuracy), and what ± means. */
export function modelErrorNote(model: DemoModel): string {
  const maes = model.tasks.filter((t) => !t.classifier).map((t) => `${t.label} ${t.testMae === null ? 'not recorded' : `${sig3(t.testMae)}${t.unit ? ` ${t.unit}` : ''}`}`);
  const classifiers = model.tasks.filter((t) => t.classifier).map((t) => {
    const c = t.classifier!;
    return ` ${t.label} is a classifier giving a probability: ROC AUC ${c.testRocAuc === null ? 'not recorded' : c.testRocAuc.toFixed(3)}, ` +
      `accuracy ${c.testAccuracy === null ? 'not recorded' : `${(100 * c.testAccuracy).toFixed(1)} %`} at the threshold chosen on the validation split.`;
  });
  const n = model.tasks.find((t) => t.testCount !== null)?.testCount ?? null;
  const spread =
    model.ensembleSize > 1
      ? `± values are the standard deviation of the ${model.ensembleSize} ensemble members (their disagreement), which is not the full error.`
      : 'The model is a single network, so predictions carry no ± spread.';
  return `Every prediction carries the model's error. Mean absolute error on ${n === null ? 'the' : `${n.toLocaleString('en-US')}`} held-back test crystals: ${maes.join(', ')}.${classifiers.join('')} ${spread}`;
}
