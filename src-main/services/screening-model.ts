/** Adapts a trained model bundle (src-main/core/model) to what screening needs (src-main/core/screen). */
import { Predictor } from '../core/model/predictor';
import { workerModelSpec } from '../core/model/worker-predictor';
import { resolveTask } from '../core/model/config';
import { resolveModel, type CatalogueOptions, type ResolvedModel } from '../core/catalogue';
import type { ScreeningDomain, ScreeningModel } from '../core/screen/model';

async function loadBundleForScreening(modelDir: string): Promise<ScreeningModel> {
  const predictor = await Predictor.load(modelDir);
  const bundle = predictor.bundle;
  const domain: ScreeningDomain = bundle.json.domain ?? { elements: [], minAtoms: 1, maxAtoms: Number.MAX_SAFE_INTEGER };
  const workerModel = workerModelSpec(modelDir);
  return {
    tasks: predictor.tasks.map((t) => {
      const r = resolveTask(t);
      return { name: r.name, unit: r.unit, kind: r.kind };
    }),
    ensembleSize: predictor.members,
    decisionThresholds: bundle.decisionThresholds,
    domain,
    graphSettings: bundle.graphSettings,
    predict: async (graphs) => predictor.predict(graphs),
    ...(workerModel ? { workerModel } : {}),
  };
}

/**
 * Loads a model bundle folder for screening. `loadScreeningModel.resolveModel` turns a --model value (a folder, a
 * catalogue name) or its absence (the shipped default) into a folder, so `mtcgcnn screen` works without --model.
 */
export const loadScreeningModel = Object.assign(loadBundleForScreening, {
  resolveModel: (nameOrDir: string | undefined): ResolvedModel => resolveModel(nameOrDir),
});

/** The model named by `nameOrDir` (a folder or catalogue name; undefined: the shipped default), loaded for screening. */
export async function loadCatalogueScreeningModel(
  nameOrDir?: string,
  options: CatalogueOptions = {},
): Promise<{ resolved: ResolvedModel; model: ScreeningModel }> {
  const resolved = resolveModel(nameOrDir, options);
  return { resolved, model: await loadBundleForScreening(resolved.dir) };
}
