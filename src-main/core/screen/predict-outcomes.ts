/**
 * Prediction of a run of crystal graphs as one outcome per graph: the values per task, or the reason it has none.
 * Shared by the calling thread of a screening (model.predict there) and the featurize workers that predict their own
 * chunks (featurize/model-tasks.ts), so both give the same rows.
 *
 * A call that throws is redone one crystal at a time, so that one crystal the model cannot handle costs only its own
 * row. Whether such a failure stops the run (the model predicted nothing before it: the model itself is broken) is
 * decided by the caller, in input order (screen.ts).
 */
import type { ScreeningPrediction } from './model';
import { nonFinitePrediction } from './columns';

/** One crystal's prediction (original units, per task), or why there is none. */
export type GraphOutcome =
  | { readonly mean: number[]; readonly std?: number[] }
  | {
      /** The error column's text. */
      readonly error: string;
      /** Set when the model threw for this crystal on its own: the whole first line of what it threw. */
      readonly failure?: string;
    };

/** The model returned arrays of the wrong shape: a broken model, not a bad crystal. */
export class ModelOutputError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ModelOutputError';
  }
}

/** Predicts `graphs` in calls of up to `batchSize`; see the module comment. Throws only ModelOutputError. */
export async function predictOutcomes<G>(
  predict: (graphs: readonly G[]) => Promise<ScreeningPrediction> | ScreeningPrediction,
  graphs: readonly G[],
  tasks: readonly { readonly name: string }[],
  batchSize: number,
): Promise<GraphOutcome[]> {
  const out: GraphOutcome[] = [];
  for (let start = 0; start < graphs.length; start += batchSize) out.push(...(await predictSlice(predict, graphs.slice(start, start + batchSize), tasks)));
  return out;
}

async function predictSlice<G>(
  predict: (graphs: readonly G[]) => Promise<ScreeningPrediction> | ScreeningPrediction,
  graphs: readonly G[],
  tasks: readonly { readonly name: string }[],
): Promise<GraphOutcome[]> {
  let res: ScreeningPrediction;
  try {
    res = await predict(graphs);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (graphs.length === 1) return [{ error: `prediction failed: ${reason.split('\n')[0]}`, failure: reason }];
    const out: GraphOutcome[] = [];
    for (const g of graphs) out.push(...(await predictSlice(predict, [g], tasks)));
    return out;
  }
  const nt = tasks.length;
  if (res.mean.length !== nt || res.mean.some((a) => a.length !== graphs.length)) {
    throw new ModelOutputError(`the model returned ${res.mean.length} task arrays of lengths ${res.mean.map((a) => a.length).join('/')} for ${nt} tasks x ${graphs.length} crystals`);
  }
  const std = res.std && res.std.length === nt && res.std.every((a) => a.length === graphs.length) ? res.std : undefined;
  return graphs.map((_, i): GraphOutcome => {
    const mean = res.mean.map((a) => a[i]);
    const sd = std?.map((a) => a[i]);
    const bad = nonFinitePrediction(tasks, mean, sd);
    return bad !== undefined ? { error: bad } : { mean, ...(sd ? { std: sd } : {}) };
  });
}
