// One home for the training settings: the IPC guard, the CLI, the trainer, the model config and the experiment
// presets take their defaults and ranges from src-shared/training-settings.ts and so accept and refuse the same values.
import { describe, expect, it } from 'vitest';
import { trainOptionsFromArgs } from '../../src-main/cli/commands/train';
import { UsageError } from '../../src-main/cli/command';
import { invokeContract } from '../../src-shared/contract';
import { DEFAULT_MODEL_CONFIG } from '../../src-main/core/model/config';
import { PRESETS } from '../../src-main/core/experiment/plan';
import { resolveTrainOptions } from '../../src-main/core/train/trainer';
import { TRAIN_DEFAULTS, TRAIN_LIMITS, WORKER_LIMITS, limitViolation } from '../../src-shared/training-settings';
import { defaultTrainingWorkers } from '../../src-main/core/train/data-parallel';

const args = (options: Record<string, string> = {}) => ({ positionals: ['data'], options });
const desktopRun = { ...TRAIN_DEFAULTS, dataset: 'mt-cgcnn-sample', name: 'run', tasks: ['band_gap'], weights: [1] };

describe('training settings', () => {
  it('the CLI, the trainer, the model config and the paper preset use the same defaults', () => {
    const cli = trainOptionsFromArgs(args());
    const d = TRAIN_DEFAULTS;
    expect(cli).toMatchObject({ epochs: d.epochs, learningRate: d.learningRate, weightDecay: d.weightDecay, batchSize: d.batchSize, seed: d.seed, members: d.members });
    expect(cli.split).toEqual({ seed: d.seed, trainFraction: d.trainRatio });
    expect(cli.model).toEqual({ sharing: d.sharing, softSharingStrength: d.softSharingStrength, convDim: d.convDim, numConv: d.numConv, hiddenDim: d.hiddenDim, headHidden: d.headHidden });
    const resolved = resolveTrainOptions({}, true);
    expect(resolved).toMatchObject({ epochs: d.epochs, learningRate: d.learningRate, batchSize: d.batchSize, members: d.members, patience: null, lossWeighting: { kind: d.weighting } });
    expect(DEFAULT_MODEL_CONFIG).toMatchObject({ convDim: d.convDim, numConv: d.numConv, hiddenDim: d.hiddenDim, headHidden: d.headHidden, sharing: d.sharing });
    expect(PRESETS.paper.train).toEqual({
      epochs: d.epochs, learningRate: d.learningRate, weightDecay: d.weightDecay, batchSize: d.batchSize, weighting: d.weighting,
      model: { convDim: d.convDim, numConv: d.numConv, hiddenDim: d.hiddenDim, headHidden: d.headHidden, sharing: d.sharing },
    });
    // The desktop defaults pass the IPC guard unchanged.
    expect(invokeContract['train:start'].parse(desktopRun)).toEqual(desktopRun);
  });

  it('a learning rate below the shared minimum is refused by the IPC guard, the CLI and the trainer alike', () => {
    const tooSmall = TRAIN_LIMITS.learningRate.min / 10;
    expect(() => invokeContract['train:start'].parse({ ...desktopRun, learningRate: tooSmall })).toThrow(/learningRate must be >= 0.000001/);
    expect(() => trainOptionsFromArgs(args({ 'learning-rate': String(tooSmall) }))).toThrow(UsageError);
    expect(() => resolveTrainOptions({ learningRate: tooSmall }, true)).toThrow(/learningRate must be at least 0.000001/);
    expect(trainOptionsFromArgs(args({ 'learning-rate': String(TRAIN_LIMITS.learningRate.min) })).learningRate).toBe(TRAIN_LIMITS.learningRate.min);
  });

  it('every numeric limit is refused one step outside by the CLI and the guard', () => {
    const flags: Partial<Record<keyof typeof TRAIN_LIMITS, string>> = {
      epochs: 'epochs', learningRate: 'learning-rate', weightDecay: 'weight-decay', batchSize: 'batch-size', members: 'ensemble',
      convDim: 'atom-fea', numConv: 'conv', hiddenDim: 'hidden', headHidden: 'head-layers', softSharingStrength: 'soft-strength', seed: 'seed',
    };
    for (const [key, flag] of Object.entries(flags) as [keyof typeof TRAIN_LIMITS, string][]) {
      const over = TRAIN_LIMITS[key].max + 1;
      expect(() => trainOptionsFromArgs(args({ [flag]: String(over) })), flag).toThrow(UsageError);
      expect(() => invokeContract['train:start'].parse({ ...desktopRun, [key]: over }), key).toThrow(new RegExp(`${key} must be <=`));
    }
    expect(limitViolation(2.5, 'epochs', TRAIN_LIMITS.epochs)).toMatch(/integer/);
    expect(limitViolation(3, 'epochs', TRAIN_LIMITS.epochs)).toBeNull();
  });

  it('training threads: one range for the guard, the CLI and the trainer; the CLI defaults to the machine\'s', () => {
    expect(invokeContract['train:start'].parse({ ...desktopRun, workers: 4 })).toMatchObject({ workers: 4 });
    expect(() => invokeContract['train:start'].parse({ ...desktopRun, workers: WORKER_LIMITS.max + 1 })).toThrow(/workers must be <=/);
    expect(() => invokeContract['train:start'].parse({ ...desktopRun, workers: 1.5 })).toThrow(/workers/);
    expect(() => trainOptionsFromArgs(args({ workers: '0' }))).toThrow(UsageError);
    expect(() => resolveTrainOptions({ workers: 0 }, true)).toThrow(/workers must be at least 1/);
    expect(trainOptionsFromArgs(args()).workers).toBe(defaultTrainingWorkers());
    expect(trainOptionsFromArgs(args({ workers: '3' })).workers).toBe(3);
    expect(resolveTrainOptions({}, true).workers).toBe(1);
  });
});
