/**
 * `mtcgcnn screen CIF_DIR [--model MODEL] --out results.csv`: predict every structure file of a folder.
 * The model loader is injected (createScreenCommand) so the CLI registry can pass the app's real one; a loader
 * that can resolve models (ScreeningModelLoader.resolveModel: catalogue names, the shipped default) makes
 * --model optional.
 */
import type { Command, CommandIo } from '../command';
import { booleanOption, choiceOption, CommandFailure, numberOption, requiredString, stringOption, UsageError } from '../command';
import { formatSeconds } from '../progress';
import { workersOption, workersOptionSpec } from '../workers-option';
import { modelArgument, modelOptionSpec, resolveModelArgument, type ModelResolver } from '../model-option';
import { describeSkipped, parseShard, screenFolder, ScreenError, type ScreeningModel, type ScreenProgress, type ScreenSummary, type ShardSpec } from '../../core/screen';

/**
 * Loads a trained model folder as a ScreeningModel (throws with a one-line reason). With `resolveModel`, --model
 * may be a catalogue name or left out (the shipped default); without it, --model must be a folder.
 */
export type ScreeningModelLoader = ((modelDir: string) => Promise<ScreeningModel>) & {
  resolveModel?: ModelResolver;
};

/** Exit code when some files could not be screened (the run itself completed). */
export const EXIT_SOME_FILES_FAILED = 3;
/** Exit codes after a clean stop on SIGINT / SIGTERM (128 + signal number, as shells report). */
export const EXIT_INTERRUPTED = { SIGINT: 130, SIGTERM: 143 } as const;

export function formatScreenProgress(p: ScreenProgress): string {
  const rate = `${p.ratePerSecond >= 10 ? p.ratePerSecond.toFixed(0) : p.ratePerSecond.toFixed(1)} files/s`;
  const failed = p.failed > 0 ? `, ${p.failed} failed` : '';
  if (p.total === undefined) return `screen: ${p.done} files, ${rate}${failed}, elapsed ${formatSeconds(p.elapsedSeconds)}`;
  const pct = p.total > 0 ? ((100 * p.done) / p.total).toFixed(1) : '100.0';
  const eta = p.etaSeconds === undefined ? '?' : formatSeconds(p.etaSeconds);
  return `screen: ${p.done}/${p.total} files (${pct}%), ${rate}${failed}, elapsed ${formatSeconds(p.elapsedSeconds)}, ETA ${eta}`;
}

/** Where the work ran, e.g. "4 worker threads (featurize + predict)". */
function describeThreads(s: Pick<ScreenSummary, 'featurizer' | 'predictor' | 'threads'>): string {
  if (s.featurizer !== 'workers') return 'in-process';
  return `${s.threads} worker threads (${s.predictor === 'workers' ? 'featurize + predict' : 'featurize; predicted on the main thread'})`;
}

const notWired: ScreeningModelLoader = async () => {
  throw new CommandFailure('this build cannot load models for screening yet (no model loader registered)');
};

export function createScreenCommand(loadModel: ScreeningModelLoader = notWired): Command {
  return {
    name: 'screen',
    summary: 'Predict every structure file of a folder with a trained model, streaming rows to a CSV.',
    positionals: 'CIF_DIR',
    arity: [1, 1],
    options: {
      model: loadModel.resolveModel ? modelOptionSpec() : { type: 'string', valueName: 'MODEL', description: 'trained model folder (required)' },
      out: { type: 'string', valueName: 'FILE', description: 'CSV to write (required)' },
      recursive: { type: 'boolean', short: 'r', description: 'also screen subfolders' },
      shard: { type: 'string', valueName: 'I/N', description: 'screen only shard I of N (1-based; by a hash of the relative path)' },
      resume: { type: 'boolean', description: 'continue an existing output: skip files already in it, append the rest' },
      force: { type: 'boolean', description: 'overwrite an existing output' },
      workers: workersOptionSpec('read, featurize and predict the files'),
      threads: { type: 'string', valueName: 'K', description: 'the earlier name of --workers (scripts written for it keep working)' },
      'batch-size': { type: 'string', valueName: 'N', description: 'crystals per prediction batch', default: '512' },
      'chunk-size': { type: 'string', valueName: 'N', description: 'files per featurization task', default: '64' },
      'partial-occupancy': {
        type: 'string',
        valueName: 'POLICY',
        description: 'refuse: error row for disordered sites; majority: keep the majority species',
        default: 'refuse',
      },
    },
    details: `
Reads *.cif *.mcif *.vasp *.poscar *.xyz *.extxyz and POSCAR* / CONTCAR* (other files are ignored) in sorted
order and writes one row per crystal (a CIF with several data blocks gives one row per block, id FILE#BLOCK):
  id,file,formula,n_atoms,<task> (<unit>)[,<task>_std (<unit>)]...[,metal],out_of_domain,error
The file column is the path relative to CIF_DIR. A file that cannot be read gets a row with the reason in
the error column, and the run goes on. Rows are flushed to disk in order: after a crash, Ctrl-C or a time
limit, run the same command with --resume to continue.

Exit codes: 0 all files screened; ${EXIT_SOME_FILES_FAILED} finished, but some files failed (their count is printed; the
count includes error rows kept from earlier runs with --resume); 130/143 stopped by Ctrl-C / SIGTERM
(everything written is complete; use --resume); 1 the run could not be done; 2 bad usage.

Without --model the shipped default model is used (mtcgcnn models lists it with its test errors and the
models you trained or installed; --model also takes their names).

Examples: mtcgcnn screen ./candidates --out hits.csv --recursive
          mtcgcnn screen ./candidates --model ./models/mt --out hits.csv`,
    async run(args, io) {
      const inputDir = args.positionals[0];
      const modelArg = modelArgument(args) ?? (loadModel.resolveModel ? undefined : requiredString(args, 'model'));
      const outPath = requiredString(args, 'out');
      let shard: ShardSpec | undefined;
      const shardText = stringOption(args, 'shard');
      if (shardText !== undefined) {
        try {
          shard = parseShard(shardText);
        } catch (err) {
          throw new UsageError(`--shard: ${(err as Error).message}`);
        }
      }
      const resume = booleanOption(args, 'resume');
      const force = booleanOption(args, 'force');
      if (resume && force) throw new UsageError('--resume and --force exclude each other');
      if (stringOption(args, 'workers') !== undefined && stringOption(args, 'threads') !== undefined) throw new UsageError('--workers and --threads are the same option: give one');
      const threads = workersOption(args) ?? workersOption(args, 'threads');
      const batchSize = numberOption(args, 'batch-size', 512, { min: 1, max: 1_000_000, integer: true });
      const chunkSize = numberOption(args, 'chunk-size', 64, { min: 1, max: 100_000, integer: true });
      const partialOccupancy = choiceOption(args, 'partial-occupancy', ['refuse', 'majority'] as const, 'refuse');

      const modelDir = loadModel.resolveModel ? resolveModelArgument(modelArg, io, { resolve: loadModel.resolveModel }).dir : modelArg!;

      let model: ScreeningModel;
      try {
        model = await loadModel(modelDir);
      } catch (err) {
        if (err instanceof CommandFailure) throw err;
        throw new CommandFailure(`cannot load the model ${modelArg ?? modelDir}: ${(err as Error).message.split('\n')[0]}`);
      }
      const recursive = booleanOption(args, 'recursive');
      return runScreen(io, { inputDir, outPath, recursive, shard, resume, force, threads, batchSize, chunkSize, partialOccupancy }, model);
    },
  };
}

interface ScreenCliOptions {
  inputDir: string;
  outPath: string;
  shard?: ShardSpec;
  resume: boolean;
  force: boolean;
  threads?: number;
  batchSize: number;
  chunkSize: number;
  partialOccupancy: 'refuse' | 'majority';
  recursive?: boolean;
}

async function runScreen(io: CommandIo, o: ScreenCliOptions, model: ScreeningModel): Promise<number> {
  const controller = new AbortController();
  let stoppedBy: 'SIGINT' | 'SIGTERM' | undefined;
  const handlers = (['SIGINT', 'SIGTERM'] as const).map((sig) => {
    const h = (): void => {
      stoppedBy = sig;
      controller.abort();
      if (io.isTty) io.progress('');
      io.err(`${sig}: stopping after the rows in progress are written (${sig === 'SIGINT' ? 'Ctrl-C again stops at once' : 'send it again to stop at once'})`);
    };
    process.once(sig, h);
    return [sig, h] as const;
  });
  let lastLine = 0;
  try {
    const summary = await screenFolder(
      {
        inputDir: o.inputDir,
        outPath: o.outPath,
        recursive: o.recursive,
        shard: o.shard,
        resume: o.resume,
        force: o.force,
        batchSize: o.batchSize,
        chunkSize: o.chunkSize,
        readOptions: { partialOccupancy: o.partialOccupancy },
        signal: controller.signal,
        ...(o.threads !== undefined ? { threads: o.threads } : {}),
      },
      model,
      {
        onProgress: (p) => {
          const now = performance.now();
          if (now - lastLine < 1000) return;
          lastLine = now;
          io.progress(formatScreenProgress(p));
        },
        onWarning: (m) => {
          if (io.isTty) io.progress('');
          io.err(`warning: ${m}`);
        },
      },
    );
    if (io.isTty) io.progress('');
    const skipped = summary.skipped > 0 ? `; ${summary.skipped} files were already in ${o.outPath}` : '';
    io.out(
      `screened ${summary.files} files (${summary.rows} rows) in ${formatSeconds(summary.elapsedSeconds)}, ` +
        `${summary.ratePerSecond.toFixed(1)} files/s, ${describeThreads(summary)}${skipped} -> ${o.outPath}`,
    );
    const notRead = describeSkipped(summary.notRead);
    if (notRead !== '') io.err(notRead);
    if (summary.cancelled) {
      io.err(`stopped early: the rows written to ${o.outPath} are complete; run the same command with --resume to continue`);
      return EXIT_INTERRUPTED[stoppedBy ?? 'SIGINT'];
    }
    if (summary.totalFailed > 0) {
      const earlier = summary.previouslyFailed > 0 ? ` (${summary.previouslyFailed} of them in earlier runs)` : '';
      io.err(`${summary.totalFailed} files failed${earlier}: see the error column of ${o.outPath}`);
      return EXIT_SOME_FILES_FAILED;
    }
    return 0;
  } catch (err) {
    if (err instanceof ScreenError) {
      if (err.code === 'output-exists' || err.code === 'input') throw new UsageError(err.message);
      throw new CommandFailure(err.message);
    }
    throw err;
  } finally {
    for (const [sig, h] of handlers) process.removeListener(sig, h);
  }
}

/** The command as registered by default (the registry passes the real model loader). */
export const screenCommand: Command = createScreenCommand();
