/**
 * Transfer learning: a training run that starts from a trained model's parameters instead of a random
 * initialisation (`mtcgcnn train DATA --from MODEL`).
 *
 * - The source must have been built the same way as the new run: graph settings (cut-off, neighbours, Gaussian
 *   basis), element feature table and trunk architecture (widths, convolutions, shared layers, head depth) are
 *   compared and a mismatch is an error naming it. Soft-sharing sources (one tower per task) cannot give heads
 *   to new tasks and are refused.
 * - The trunk (embedding, convolutions, shared layers) is copied. A task the source model has (same column name
 *   and kind) keeps its head and its target normalisation (the head was trained on those scaled targets); a new
 *   task gets a freshly initialised head and a normaliser fitted on the new training split.
 * - Member k of the new run starts from member k mod K of a K-member source.
 * - freezeConvs: the embedding and convolution weights get no updates (their batch-norm running statistics still
 *   follow the new data, so training and inference normalise the same way); trunkLrFactor scales the learning
 *   rate of the trunk parameters that do train.
 */
import type { GraphSettings } from '../graph/crystal-graph';
import type { TargetNormalizerJson } from '../metrics/normalizer';
import type { LoadedBundle } from '../model/bundle';
import { type ModelConfig, type ModelTaskSpec, resolveTask } from '../model/config';
import { headName } from '../model/params';
import type { TensorRecord } from '../model/params';

export interface TransferSource {
  /** Name shown in the card (catalogue name or folder). */
  readonly name: string;
  readonly dir: string;
  readonly config: ModelConfig;
  readonly graphSettings: GraphSettings;
  readonly elementMatrix: Float32Array;
  readonly elementDimension: number;
  readonly normalizers: readonly TargetNormalizerJson[];
  /** Parameters per source member. */
  readonly members: readonly (readonly TensorRecord[])[];
}

export interface TransferOptions {
  readonly source: TransferSource;
  /** No updates to the embedding and convolution weights (default false). */
  readonly freezeConvs?: boolean;
  /** Learning-rate factor of the trunk parameters (default 1). */
  readonly trunkLrFactor?: number;
}

export class TransferError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TransferError';
  }
}

export function transferSourceFromBundle(bundle: LoadedBundle, name: string): TransferSource {
  return {
    name, dir: bundle.dir, config: bundle.config, graphSettings: bundle.graphSettings, elementMatrix: bundle.elementMatrix,
    elementDimension: bundle.elementDimension, normalizers: bundle.normalizers, members: bundle.members,
  };
}

/** Architecture fields a transferred trunk fixes (the new run takes them from the source). */
export const TRUNK_FIELDS = ['convDim', 'numConv', 'hiddenDim', 'sharedHidden', 'headHidden', 'bnEpsilon', 'bnMomentum'] as const;

/** The source's architecture settings the new run must use. */
export function transferredArchitecture(source: TransferSource): Pick<ModelConfig, (typeof TRUNK_FIELDS)[number] | 'sharing'> {
  const c = source.config;
  return { convDim: c.convDim, numConv: c.numConv, hiddenDim: c.hiddenDim, sharedHidden: c.sharedHidden, headHidden: c.headHidden, bnEpsilon: c.bnEpsilon, bnMomentum: c.bnMomentum, sharing: 'hard' };
}

const GRAPH_FIELDS: ReadonlyArray<keyof GraphSettings> = ['radiusAngstrom', 'maxNeighbors', 'gaussianStepAngstrom', 'gaussianWidthAngstrom'];

/** Throws TransferError naming the first difference between the source and the new run's data and model. */
export function checkTransferCompatible(
  source: TransferSource, graphSettings: GraphSettings, elementMatrix: Float32Array, elementDimension: number, config: ModelConfig,
): void {
  const where = `the model to start from (${source.name})`;
  if (source.config.sharing !== 'hard') throw new TransferError(`${where} uses soft sharing (one tower per task); only hard-sharing models can be fine-tuned`);
  for (const f of GRAPH_FIELDS) {
    const a = (source.graphSettings as unknown as Record<string, unknown>)[f];
    const b = (graphSettings as unknown as Record<string, unknown>)[f];
    if (a !== b) throw new TransferError(`${where} was trained on graphs with ${f} = ${String(a)}, this run builds ${String(b)}`);
  }
  if (source.elementDimension !== elementDimension) {
    throw new TransferError(`${where} uses ${source.elementDimension} element features per element, this run ${elementDimension} (--atom-init)`);
  }
  const rows = Math.min(source.elementMatrix.length, elementMatrix.length) / elementDimension;
  for (let z = 1; z < rows; z++) {
    for (let d = 0; d < elementDimension; d++) {
      const a = source.elementMatrix[z * elementDimension + d];
      const b = elementMatrix[z * elementDimension + d];
      if (Math.abs(a - b) > 1e-6) throw new TransferError(`${where} uses a different element feature table (Z=${z}, feature ${d}: ${a} vs ${b}); use its table (--atom-init)`);
    }
  }
  if (source.config.bondFeatureDim !== config.bondFeatureDim) {
    throw new TransferError(`${where} has ${source.config.bondFeatureDim} bond features, this run ${config.bondFeatureDim}`);
  }
  for (const f of TRUNK_FIELDS) {
    if (source.config[f] !== config[f]) throw new TransferError(`${where} has ${f} = ${source.config[f]}, this run ${config[f]}`);
  }
  if (config.sharing !== 'hard') throw new TransferError('fine-tuning trains a hard-sharing model; leave out --sharing soft');
}

/** Index of the source task with the same name and kind as `task`, or -1. */
export function sourceTaskIndex(source: TransferSource, task: ModelTaskSpec): number {
  const kind = resolveTask(task).kind;
  return source.config.tasks.findIndex((s) => s.name === task.name && resolveTask(s).kind === kind);
}

/** True for parameters of the trunk (everything but the task heads). */
export function isTrunkParam(name: string): boolean {
  return !/^head\d+\./.test(name);
}

/** True for parameters that --freeze-convs freezes (embedding and convolutions). */
export function isConvParam(name: string): boolean {
  return name.startsWith('embed.') || /^conv\d+\./.test(name);
}

/**
 * Records to assign to member k's freshly initialised parameters: the source's trunk and the heads of the tasks the
 * source has (renamed to the new task order). New tasks' heads are not in the list (they keep their random init).
 */
export function transferRecords(source: TransferSource, config: ModelConfig, member: number): TensorRecord[] {
  const src = source.members[member % source.members.length];
  const out: TensorRecord[] = [];
  const headMap = new Map<string, string>();
  config.tasks.forEach((t, i) => {
    const s = sourceTaskIndex(source, t);
    if (s >= 0) headMap.set(`${headName(source.config, s)}.`, `${headName(config, i)}.`);
  });
  for (const r of src) {
    if (isTrunkParam(r.name)) {
      out.push(r);
      continue;
    }
    for (const [from, to] of headMap) {
      if (r.name.startsWith(from)) out.push({ ...r, name: to + r.name.slice(from.length) });
    }
  }
  return out;
}

/** Per new task, the source's normaliser when the source has the task, else undefined (fit on the new data). */
export function transferredNormalizers(source: TransferSource, tasks: readonly ModelTaskSpec[]): (TargetNormalizerJson | undefined)[] {
  return tasks.map((t) => {
    const s = sourceTaskIndex(source, t);
    return s >= 0 ? source.normalizers[s] : undefined;
  });
}
