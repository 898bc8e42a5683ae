/**
 * A ready-to-submit Slurm job-array script for screening a big folder: task i of N runs
 * `mtcgcnn screen ... --shard i/N --resume --out DIR/shard-i.csv`. Re-submitting the same script
 * continues every unfinished shard (--resume) and redoes nothing; `mtcgcnn merge` joins the shards.
 */
import path from 'node:path';

export interface SlurmOptions {
  inputDir: string;
  modelDir: string;
  /** Folder for the shard CSVs, logs and the script itself. */
  outDir: string;
  shards: number;
  recursive?: boolean;
  partition?: string;
  /** Wall time per task, Slurm format (e.g. 04:00:00 or 1-00:00:00). */
  time?: string;
  cpusPerTask?: number;
  /** Memory per task, Slurm format (e.g. 8G). */
  mem?: string;
  jobName?: string;
  /** How to run the CLI on the cluster (default "mtcgcnn"). */
  mtcgcnn?: string;
  /** Extra `mtcgcnn screen` arguments (already split), e.g. ["--partial-occupancy", "majority"]. */
  extraScreenArgs?: readonly string[];
}

export const DEFAULT_SLURM = { time: '04:00:00', cpusPerTask: 4, mem: '8G', jobName: 'mtcgcnn-screen' } as const;

/** Quotes a word for bash (single quotes; embedded single quotes closed and escaped). */
export function shellQuote(word: string): string {
  if (/^[A-Za-z0-9_@%+=:,./-]+$/.test(word)) return word;
  return `'${word.replace(/'/g, `'\\''`)}'`;
}

const SLURM_TIME = /^(\d+-)?\d{1,3}(:\d{1,2}){0,2}$|^\d+-\d{1,2}$/;
const SLURM_MEM = /^\d+[KMGT]?$/i;
const SLURM_NAME = /^[A-Za-z0-9_.,+-]+$/;

export function validateSlurmOptions(o: SlurmOptions): void {
  if (!Number.isInteger(o.shards) || o.shards < 1) throw new RangeError(`shards must be a positive integer, got ${o.shards}`);
  if (o.time !== undefined && !SLURM_TIME.test(o.time)) throw new RangeError(`time must look like HH:MM:SS, MM or D-HH:MM:SS, got "${o.time}"`);
  if (o.mem !== undefined && !SLURM_MEM.test(o.mem)) throw new RangeError(`mem must look like 8G or 16000M, got "${o.mem}"`);
  if (o.cpusPerTask !== undefined && (!Number.isInteger(o.cpusPerTask) || o.cpusPerTask < 1)) {
    throw new RangeError(`cpus-per-task must be a positive integer, got ${o.cpusPerTask}`);
  }
  if (o.partition !== undefined && !SLURM_NAME.test(o.partition)) throw new RangeError(`partition must be a Slurm partition name (letters, digits, _ . , + -), got "${o.partition}"`);
  if (o.jobName !== undefined && !SLURM_NAME.test(o.jobName)) throw new RangeError(`job name must use letters, digits, _ . , + - only, got "${o.jobName}"`);
  for (const [name, v] of [['input folder', o.inputDir], ['model folder', o.modelDir], ['output folder', o.outDir]] as const) {
    if (/[\r\n]/.test(v)) throw new RangeError(`the ${name} path contains a line break`);
  }
  // #SBATCH --output takes the path unquoted and expands % patterns.
  if (/[\s%]/.test(path.resolve(o.outDir))) throw new RangeError(`the output folder path must not contain spaces or %: ${o.outDir}`);
  if (o.mtcgcnn !== undefined && (/[\r\n]/.test(o.mtcgcnn) || o.mtcgcnn.trim() === '')) throw new RangeError('the mtcgcnn command must be one non-empty line');
}

/** Paths used by the script (absolute: jobs start in another working directory). */
export function slurmPaths(o: Pick<SlurmOptions, 'outDir'>): { outDir: string; script: string; logs: string; merged: string } {
  const outDir = path.resolve(o.outDir);
  return { outDir, script: path.join(outDir, 'screen.sbatch'), logs: path.join(outDir, 'logs'), merged: path.join(outDir, 'all.csv') };
}

export function mergeCommand(o: Pick<SlurmOptions, 'outDir' | 'mtcgcnn'>): string {
  const p = slurmPaths(o);
  return `${o.mtcgcnn ?? 'mtcgcnn'} merge ${shellQuote(p.outDir)}/shard-*.csv --out ${shellQuote(p.merged)}`;
}

/** The script text. */
export function slurmScript(o: SlurmOptions): string {
  validateSlurmOptions(o);
  const p = slurmPaths(o);
  const n = o.shards;
  const time = o.time ?? DEFAULT_SLURM.time;
  const cpus = o.cpusPerTask ?? DEFAULT_SLURM.cpusPerTask;
  const mem = o.mem ?? DEFAULT_SLURM.mem;
  const jobName = o.jobName ?? DEFAULT_SLURM.jobName;
  const cli = o.mtcgcnn ?? 'mtcgcnn';
  const screenArgs = [
    'screen',
    shellQuote(path.resolve(o.inputDir)),
    '--model',
    shellQuote(path.resolve(o.modelDir)),
    '--out',
    `${shellQuote(p.outDir)}/shard-\${SLURM_ARRAY_TASK_ID}.csv`,
    '--shard',
    `"\${SLURM_ARRAY_TASK_ID}/${n}"`,
    '--resume',
    '--workers',
    '"$cpus"',
    ...(o.recursive ? ['--recursive'] : []),
    ...(o.extraScreenArgs ?? []).map(shellQuote),
  ];
  const lines = [
    '#!/bin/bash',
    `#SBATCH --job-name=${jobName}`,
    `#SBATCH --array=1-${n}`,
    `#SBATCH --time=${time}`,
    `#SBATCH --cpus-per-task=${cpus}`,
    `#SBATCH --mem=${mem}`,
    ...(o.partition ? [`#SBATCH --partition=${o.partition}`] : []),
    `#SBATCH --output=${p.logs}/shard-%a.log`,
    `#SBATCH --error=${p.logs}/shard-%a.log`,
    '',
    `# Screening ${path.resolve(o.inputDir)} with the model ${path.resolve(o.modelDir)} in ${n} shards.`,
    '# Written by `mtcgcnn slurm`. Submit with:',
    `#   sbatch ${shellQuote(p.script)}`,
    '# Each array task screens its shard and appends to its own CSV with --resume: if a task times out or',
    '# is killed, submit the script again (or only some tasks: sbatch --array=3,7 ...) and it continues',
    '# where it stopped. Exit code 3 (some files could not be read) is reported but not treated as a failure.',
    '# When every task has finished, join the shards:',
    `#   ${mergeCommand(o)}`,
    '',
    'set -uo pipefail',
    '',
    'if [ -z "${SLURM_ARRAY_TASK_ID:-}" ]; then',
    '  echo "run this script with sbatch (it is a job array: SLURM_ARRAY_TASK_ID is not set)" >&2',
    '  exit 2',
    'fi',
    `mkdir -p ${shellQuote(p.logs)}`,
    '# Worker threads: one per CPU of the task; each reads, featurizes and predicts its share of the files.',
    `cpus="\${SLURM_CPUS_PER_TASK:-${cpus}}"`,
    '',
    `${cli} ${screenArgs.join(' ')}`,
    'status=$?',
    'if [ "$status" -eq 3 ]; then',
    `  echo "shard \${SLURM_ARRAY_TASK_ID}/${n}: some files could not be screened (see the error column)" >&2`,
    '  exit 0',
    'fi',
    'exit "$status"',
    '',
  ];
  return lines.join('\n');
}
