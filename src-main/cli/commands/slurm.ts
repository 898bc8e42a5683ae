/** `mtcgcnn slurm CIF_DIR [--model MODEL] --out-dir DIR --shards N`: write a Slurm job-array script. */
import fs from 'node:fs';
import { writeFileAtomicSync } from '../../core/fs/atomic-write';
import type { Command } from '../command';
import { booleanOption, choiceOption, numberOption, requiredString, stringOption, UsageError } from '../command';
import { DEFAULT_SLURM, mergeCommand, slurmPaths, slurmScript, type SlurmOptions } from '../../core/screen';
import { resolveClusterModelOption } from '../model-option';

export const slurmCommand: Command = {
  name: 'slurm',
  summary: 'Write a Slurm job-array script that screens a folder in N shards (then merge the shard CSVs).',
  positionals: 'CIF_DIR',
  arity: [1, 1],
  options: {
    model: {
      type: 'string',
      valueName: 'MODEL',
      description: 'trained model folder (here or on the cluster), or the name of an installed model (see mtcgcnn models)',
      default: 'the shipped default model',
    },
    'out-dir': { type: 'string', valueName: 'DIR', description: 'folder for the script, the shard CSVs and the logs (required)' },
    shards: { type: 'string', valueName: 'N', description: 'number of array tasks (required)' },
    recursive: { type: 'boolean', short: 'r', description: 'also screen subfolders' },
    partition: { type: 'string', valueName: 'P', description: 'Slurm partition' },
    time: { type: 'string', valueName: 'HH:MM:SS', description: 'wall time per task', default: DEFAULT_SLURM.time },
    'cpus-per-task': { type: 'string', valueName: 'C', description: 'CPUs per task (one screening worker thread each)', default: String(DEFAULT_SLURM.cpusPerTask) },
    mem: { type: 'string', valueName: 'SIZE', description: 'memory per task', default: DEFAULT_SLURM.mem },
    'job-name': { type: 'string', valueName: 'NAME', description: 'Slurm job name', default: DEFAULT_SLURM.jobName },
    mtcgcnn: { type: 'string', valueName: 'CMD', description: 'how the cluster runs the CLI, e.g. "node /opt/mtcgcnn/cli.js"', default: 'mtcgcnn' },
    'partial-occupancy': { type: 'string', valueName: 'POLICY', description: 'passed to screen (refuse or majority)', default: 'refuse' },
    force: { type: 'boolean', description: 'overwrite an existing script' },
  },
  details: `
Writes DIR/screen.sbatch and creates DIR/logs. Task i runs
  mtcgcnn screen CIF_DIR --model MODEL_DIR --out DIR/shard-i.csv --shard i/N --resume
so re-submitting the script continues unfinished shards. When all tasks are done:
  mtcgcnn merge DIR/shard-*.csv --out DIR/all.csv
MODEL_DIR is --model resolved as screen does: an installed model's name or, without --model, the shipped default
model become their folder here, which the cluster nodes must see; a folder that does not exist here is written as
given (a path on the cluster).`,
  async run(args, io) {
    const shards = numberOption(args, 'shards', NaN, { min: 1, max: 1_000_000, integer: true });
    if (Number.isNaN(shards)) throw new UsageError('--shards is required');
    const partialOccupancy = choiceOption(args, 'partial-occupancy', ['refuse', 'majority'] as const, 'refuse');
    const modelDir = resolveClusterModelOption(args, io);
    const opts: SlurmOptions = {
      inputDir: args.positionals[0],
      modelDir,
      outDir: requiredString(args, 'out-dir'),
      shards,
      recursive: booleanOption(args, 'recursive'),
      partition: stringOption(args, 'partition'),
      time: stringOption(args, 'time'),
      cpusPerTask: stringOption(args, 'cpus-per-task') === undefined ? undefined : numberOption(args, 'cpus-per-task', 1, { min: 1, max: 4096, integer: true }),
      mem: stringOption(args, 'mem'),
      jobName: stringOption(args, 'job-name'),
      mtcgcnn: stringOption(args, 'mtcgcnn'),
      extraScreenArgs: partialOccupancy === 'refuse' ? [] : ['--partial-occupancy', partialOccupancy],
    };
    let script: string;
    try {
      script = slurmScript(opts);
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const p = slurmPaths(opts);
    if (fs.existsSync(p.script) && !booleanOption(args, 'force')) throw new UsageError(`${p.script} already exists: use --force to overwrite it`);
    if (!fs.existsSync(opts.inputDir)) io.err(`warning: CIF_DIR ${opts.inputDir} does not exist here (fine if it exists on the cluster nodes)`);
    if (shards > 1000) io.err('warning: many clusters limit job arrays to 1000 tasks (MaxArraySize); check yours');
    fs.mkdirSync(p.logs, { recursive: true });
    writeFileAtomicSync(p.script, script);
    fs.chmodSync(p.script, 0o755);
    io.out(`wrote ${p.script} (${shards} array tasks)`);
    io.out(`submit:    sbatch ${p.script}`);
    io.out(`progress:  squeue --me; logs in ${p.logs}`);
    io.out(`continue:  sbatch ${p.script}   (after a time-out: finished shards are skipped, the others resume)`);
    io.out(`merge:     ${mergeCommand(opts)}`);
    return 0;
  },
};
