/** Adapts a trained model bundle (src-main/core/model) to what screening needs (src-main/core/screen). */
import { Predictor } from '../core/model/predictor';
import type { ScreeningDomain, ScreeningModel } from '../core/screen/model';

export async function loadScreeningModel(modelDir: string): Promise<ScreeningModel> {
  const predictor = await Predictor.load(modelDir);
  const bundle = predictor.bundle;
  const domain: ScreeningDomain = bundle.json.domain ?? { elements: [], minAtoms: 1, maxAtoms: Number.MAX_SAFE_INTEGER };
  return {
    tasks: predictor.tasks.map((t) => ({ name: t.name, unit: t.unit })),
    ensembleSize: predictor.members,
    domain,
    graphSettings: bundle.graphSettings,
    predict: async (graphs) => predictor.predict(graphs),
  };
}
