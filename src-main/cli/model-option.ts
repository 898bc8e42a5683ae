/**
 * `--model` of the verbs that use a trained model (screen, predict, evaluate, report RESULTS.csv, slurm): a model
 * folder, the name of an installed model (`mtcgcnn models`), or left out for the shipped default model. The
 * resolution itself is core's resolveModel (src-main/core/catalogue/catalogue.ts); this adds the CLI's messages.
 */
import fs from 'node:fs';
import path from 'node:path';
import { listModels, resolveModel, type ResolvedModel } from '../core/catalogue';
import { CommandFailure, stringOption, UsageError, type CommandIo, type OptionSpec, type ParsedArgs } from './command';

/** A --model value (undefined: left out) -> a model folder; throws with a one-line reason. */
export type ModelResolver = (nameOrDir: string | undefined) => Pick<ResolvedModel, 'dir' | 'name'>;

/** The help line of --model for verbs that resolve it (`what`: e.g. "the model to predict with"). */
export function modelOptionSpec(what = 'trained model folder'): OptionSpec {
  return {
    type: 'string',
    valueName: 'MODEL',
    description: `${what}, or the name of an installed model (see mtcgcnn models)`,
    default: 'the shipped default model',
  };
}

/** --model as given: undefined when left out; an empty value is a usage error. */
export function modelArgument(args: ParsedArgs): string | undefined {
  const given = stringOption(args, 'model');
  if (given !== undefined && given.trim() === '') throw new UsageError('--model is empty (leave it out to use the shipped default model)');
  return given;
}

export interface ResolveModelOptionOptions {
  /** Said after the default model's name when --model was left out (default: "--model chooses another"). */
  readonly hint?: string;
  /** Resolution to use (default: core's resolveModel with the process's environment). */
  readonly resolve?: ModelResolver;
}

/**
 * Resolves --model like `mtcgcnn screen`: a folder, an installed model's name, or (left out) the shipped default,
 * which is named on stderr. Failures are CommandFailure (exit 1) with a one-line reason.
 */
export function resolveModelArgument(given: string | undefined, io: CommandIo, options: ResolveModelOptionOptions = {}): Pick<ResolvedModel, 'dir' | 'name'> {
  const resolve = options.resolve ?? ((x: string | undefined) => resolveModel(x));
  let resolved: Pick<ResolvedModel, 'dir' | 'name'>;
  try {
    resolved = resolve(given);
  } catch (err) {
    const reason = (err as Error).message.split('\n')[0];
    throw new CommandFailure(given === undefined ? reason : `cannot load the model ${given}: ${reason}`);
  }
  if (given === undefined) io.err(`using the shipped default model ${resolved.name} (${resolved.dir}); ${options.hint ?? '--model chooses another'}`);
  return resolved;
}

/** modelArgument + resolveModelArgument. */
export function resolveModelOption(args: ParsedArgs, io: CommandIo, options: ResolveModelOptionOptions = {}): Pick<ResolvedModel, 'dir' | 'name'> {
  return resolveModelArgument(modelArgument(args), io, options);
}

/**
 * --model for a script that runs elsewhere (`mtcgcnn slurm`): resolved here like screen's when it can be (a
 * folder here, an installed model's name, or the shipped default), else kept as a folder that exists only on the
 * cluster nodes (with a warning).
 */
export function resolveClusterModelOption(args: ParsedArgs, io: CommandIo): string {
  const given = modelArgument(args);
  if (given !== undefined && !fs.existsSync(path.resolve(given)) && !listModels().models.some((m) => m.name === given.trim())) {
    io.err(`warning: MODEL_DIR ${given} does not exist here and is not an installed model (fine if it exists on the cluster nodes)`);
    return given;
  }
  const resolved = resolveModelArgument(given, io, { hint: 'the cluster nodes must see this folder; --model chooses another' });
  return resolved.dir;
}
