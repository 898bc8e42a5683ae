/** `mtcgcnn merge OUT... --out all.csv`: join screening CSVs (shards) into one, sorted by file. */
import fs from 'node:fs';
import path from 'node:path';
import type { Command } from '../command';
import { booleanOption, CommandFailure, requiredString, UsageError } from '../command';
import { mergeScreenCsv, MergeError } from '../../core/screen';

/** Inputs as given; a folder stands for the *.csv files in it (sorted), the output excluded. */
export function expandMergeInputs(inputs: readonly string[], outPath: string): string[] {
  const out = path.resolve(outPath);
  const files: string[] = [];
  for (const i of inputs) {
    let st: fs.Stats | undefined;
    try {
      st = fs.statSync(i);
    } catch {
      st = undefined;
    }
    if (st?.isDirectory()) {
      const csvs = fs
        .readdirSync(i)
        .filter((n) => n.toLowerCase().endsWith('.csv'))
        .sort()
        .map((n) => path.join(i, n))
        .filter((p) => path.resolve(p) !== out);
      if (csvs.length === 0) throw new UsageError(`${i} holds no .csv files`);
      files.push(...csvs);
    } else {
      files.push(i);
    }
  }
  return files;
}

export const mergeCommand: Command = {
  name: 'merge',
  summary: 'Join screening CSVs (e.g. the shards of a Slurm run) into one, de-duplicated and sorted by file.',
  positionals: 'CSV...',
  arity: [1, Infinity],
  options: {
    out: { type: 'string', valueName: 'FILE', description: 'merged CSV to write (required)' },
    force: { type: 'boolean', description: 'overwrite an existing output' },
  },
  details: `
All inputs must have the same header (outputs of the same model). A folder stands for the .csv files in it.
A file that appears in several inputs keeps the rows of the first input (in argument order) where it has no
error, else of the first input that has it. A partial last line (a shard killed mid-write) is dropped.

Example: mtcgcnn merge run/shard-*.csv --out run/all.csv`,
  async run(args, io) {
    const outPath = requiredString(args, 'out');
    const inputs = expandMergeInputs(args.positionals, outPath);
    try {
      const s = await mergeScreenCsv(inputs, outPath, { force: booleanOption(args, 'force'), onWarning: (m) => io.err(`warning: ${m}`) });
      const dup = s.duplicateFiles > 0 ? `, ${s.duplicateFiles} duplicate files dropped` : '';
      const failed = s.failedFiles > 0 ? `, ${s.failedFiles} files with an error row` : '';
      io.out(`merged ${s.inputs} files: ${s.files} structure files, ${s.rows} rows${dup}${failed} -> ${outPath}`);
      return 0;
    } catch (err) {
      if (err instanceof MergeError) {
        if (/already exists|also an input|no such file/.test(err.message)) throw new UsageError(err.message);
        throw new CommandFailure(err.message);
      }
      throw err;
    }
  },
};
