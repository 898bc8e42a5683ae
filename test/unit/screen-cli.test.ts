import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCommand, type Command } from '../../src-main/cli/command';
import { createScreenCommand, formatScreenProgress, screenCommand } from '../../src-main/cli/commands/screen';
import { mergeCommand } from '../../src-main/cli/commands/merge';
import { slurmCommand } from '../../src-main/cli/commands/slurm';
import { compositionModel, makeFixture, readRows, tempDir, type FixtureInfo } from '../fixtures/screen/helpers';

/** Runs a command object as `mtcgcnn <verb>` does (runCommand), capturing stdout and stderr. */
async function run(cmd: Command, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(cmd, argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

let fx: FixtureInfo;
let good: string;
let work: string;
const screen = createScreenCommand(async (dir) => {
  if (dir !== 'MODEL') throw new Error(`no model.json in ${dir}`);
  return compositionModel({ ensembleSize: 2 });
});

beforeAll(() => {
  fx = makeFixture();
  good = makeFixture(tempDir('screen-good'), ['3', '4', '5']).dir;
  for (const f of fs.readdirSync(good)) if (!/^\d+\.cif$/.test(f) && f !== 'sub') fs.rmSync(path.join(good, f));
  fs.rmSync(path.join(good, 'sub'), { recursive: true });
  work = tempDir('screen-cli');
});
afterAll(() => {
  for (const d of [fx.dir, good, work]) fs.rmSync(d, { recursive: true, force: true });
});

describe('mtcgcnn screen', () => {
  it('exits 3 and says how many files failed; refuses to overwrite; resumes', async () => {
    const out = path.join(work, 'res.csv');
    const r = await run(screen, fx.dir, '--model', 'MODEL', '--out', out, '--threads', '0', '--chunk-size', '5');
    // huge.cif is only "huge" under the tests' small maxBytes; the CLI uses the 20 MB default.
    const nBad = Object.keys(fx.bad).filter((f) => f !== 'huge.cif').length;
    expect(r.err).toContain(`${nBad} files failed: see the error column of ${out}`);
    expect(r.code).toBe(3);
    expect(r.out).toMatch(new RegExp(`^screened ${fx.screened.length} files \\(${fx.screened.length + 1} rows\\)`));
    const first = fs.readFileSync(out, 'utf8');

    const again = await run(screen, fx.dir, '--model', 'MODEL', '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists: use --resume .* or --force/);
    expect(fs.readFileSync(out, 'utf8')).toBe(first);

    // --workers, and its earlier name --threads (above), set the worker threads; both at once is a usage error.
    expect((await run(screen, fx.dir, '--model', 'MODEL', '--out', out, '--resume', '--threads', '0', '--workers', '0')).code).toBe(2);
    const resumed = await run(screen, fx.dir, '--model', 'MODEL', '--out', out, '--resume', '--workers', '0');
    expect(resumed.code).toBe(3);
    expect(resumed.err).toMatch(new RegExp(`${nBad} files failed \\(\\d+ of them in earlier runs\\)`));
    expect(resumed.out).toMatch(/files were already in/);
    expect(fs.readFileSync(out, 'utf8')).toBe(first);
  });

  it('exits 0 when every file is screened, with --recursive and --shard', async () => {
    const out = path.join(work, 'good.csv');
    const r = await run(screen, good, '--model', 'MODEL', '--out', out, '--threads', '0', '--recursive');
    expect(r).toMatchObject({ code: 0, err: '' });
    expect(readRows(out).rows.map((x) => x.file)).toEqual(['3.cif', '4.cif', '5.cif']);
    const parts = [1, 2].map((i) => path.join(work, `good-${i}.csv`));
    for (const [i, p] of parts.entries()) expect((await run(screen, good, '--model', 'MODEL', '--out', p, '--threads', '0', '--shard', `${i + 1}/2`)).code).toBe(0);
    const m = await run(mergeCommand, ...parts, '--out', path.join(work, 'good-merged.csv'));
    expect(m.code).toBe(0);
    expect(m.out).toMatch(/merged 2 files: 3 structure files, 3 rows/);
    expect(fs.readFileSync(path.join(work, 'good-merged.csv'), 'utf8')).toBe(fs.readFileSync(out, 'utf8'));
  });

  it('reports usage errors with exit 2 and model problems with exit 1', async () => {
    const out = path.join(work, 'never.csv');
    expect((await run(screen, fx.dir, '--out', out)).err).toMatch(/--model is required/);
    expect((await run(screen, fx.dir, '--model', 'MODEL')).code).toBe(2);
    const badShard = await run(screen, fx.dir, '--model', 'MODEL', '--out', out, '--shard', '4/3');
    expect(badShard.code).toBe(2);
    expect(badShard.err).toMatch(/--shard: shard index must be between 1 and 3/);
    expect((await run(screen, fx.dir, '--model', 'MODEL', '--out', out, '--resume', '--force')).code).toBe(2);
    expect((await run(screen, path.join(work, 'missing-dir'), '--model', 'MODEL', '--out', out)).err).toMatch(/no such folder/);
    const noModel = await run(screen, fx.dir, '--model', 'elsewhere', '--out', out);
    expect(noModel.code).toBe(1);
    expect(noModel.err).toMatch(/cannot load the model elsewhere: no model.json in elsewhere/);
    const unwired = await run(screenCommand, fx.dir, '--model', 'MODEL', '--out', out);
    expect(unwired.code).toBe(1);
    expect(fs.existsSync(out)).toBe(false);
    const help = await run(screenCommand, '--help');
    expect(help.out).toMatch(/^Usage: mtcgcnn screen CIF_DIR/);
    expect(help.out).toContain('--resume');
  });

  it('formats progress with rate and ETA', () => {
    expect(formatScreenProgress({ done: 50, total: 200, skipped: 0, failed: 2, rows: 51, ratePerSecond: 25, etaSeconds: 6, elapsedSeconds: 2 })).toBe(
      'screen: 50/200 files (25.0%), 25 files/s, 2 failed, elapsed 2.0 s, ETA 6.0 s',
    );
    expect(formatScreenProgress({ done: 5, skipped: 0, failed: 0, rows: 5, ratePerSecond: 2.5, elapsedSeconds: 2 })).toBe('screen: 5 files, 2.5 files/s, elapsed 2.0 s');
  });
});

describe('mtcgcnn merge', () => {
  it('accepts a folder of shard CSVs and refuses to overwrite', async () => {
    const dir = path.join(work, 'shards');
    fs.mkdirSync(dir);
    for (const i of [1, 2]) await run(screen, good, '--model', 'MODEL', '--out', path.join(dir, `shard-${i}.csv`), '--threads', '0', '--shard', `${i}/2`);
    const out = path.join(dir, 'all.csv');
    expect((await run(mergeCommand, dir, '--out', out)).code).toBe(0);
    expect(readRows(out).rows).toHaveLength(3);
    // The output inside the folder is not taken as an input the second time.
    const again = await run(mergeCommand, dir, '--out', out);
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists/);
    expect((await run(mergeCommand, dir, '--out', out, '--force')).code).toBe(0);
    expect(readRows(out).rows).toHaveLength(3);
  });
});

describe('mtcgcnn slurm', () => {
  it('writes a job-array script that screens shard i of N with --resume, then explains the merge', async () => {
    const outDir = path.join(work, 'run');
    const r = await run(slurmCommand, fx.dir, '--model', 'MODEL', '--out-dir', outDir, '--shards', '4', '--partition', 'cpu', '--time', '02:30:00', '--cpus-per-task', '8', '--mem', '16G', '--recursive');
    expect(r.code).toBe(0);
    const scriptPath = path.join(outDir, 'screen.sbatch');
    const script = fs.readFileSync(scriptPath, 'utf8');
    expect(fs.statSync(path.join(outDir, 'logs')).isDirectory()).toBe(true);
    expect(script.startsWith('#!/bin/bash\n')).toBe(true);
    for (const line of ['#SBATCH --array=1-4', '#SBATCH --partition=cpu', '#SBATCH --time=02:30:00', '#SBATCH --cpus-per-task=8', '#SBATCH --mem=16G', `#SBATCH --output=${outDir}/logs/shard-%a.log`]) {
      expect(script).toContain(line + '\n');
    }
    expect(script).toContain(
      `mtcgcnn screen ${fx.dir} --model ${path.resolve('MODEL')} --out ${outDir}/shard-\${SLURM_ARRAY_TASK_ID}.csv --shard "\${SLURM_ARRAY_TASK_ID}/4" --resume --workers "$cpus" --recursive`,
    );
    expect(script).toContain('cpus="${SLURM_CPUS_PER_TASK:-8}"\n');
    expect(script).toContain(`mtcgcnn merge ${outDir}/shard-*.csv --out ${outDir}/all.csv`);
    expect(r.out).toContain(`sbatch ${scriptPath}`);
    expect(r.out).toContain(`mtcgcnn merge ${outDir}/shard-*.csv --out ${outDir}/all.csv`);
    expect(r.err).toMatch(/MODEL_DIR MODEL does not exist here/);

    // bash accepts it; run as array task 3 with a stub CLI that records its arguments and exits 3.
    execFileSync('bash', ['-n', scriptPath]);
    const stub = path.join(work, 'stub.sh');
    fs.writeFileSync(stub, `#!/bin/bash\nprintf '%s\\n' "$@" > ${work}/args.txt\nexit 3\n`, { mode: 0o755 });
    const stubbed = script.replace(/^mtcgcnn screen/m, `${stub} screen`);
    const res = spawnSync('bash', ['-c', stubbed], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '3', SLURM_CPUS_PER_TASK: '8' }, encoding: 'utf8' });
    expect(res.status).toBe(0); // exit 3 (some files failed) is not a task failure
    expect(res.stderr).toMatch(/shard 3\/4: some files could not be screened/);
    expect(fs.readFileSync(path.join(work, 'args.txt'), 'utf8').trim().split('\n')).toEqual([
      'screen', fx.dir, '--model', path.resolve('MODEL'), '--out', `${outDir}/shard-3.csv`, '--shard', '3/4', '--resume', '--workers', '8', '--recursive',
    ]);
    const outside = spawnSync('bash', ['-c', stubbed], { env: { ...process.env, SLURM_ARRAY_TASK_ID: '' }, encoding: 'utf8' });
    expect(outside.status).toBe(2);

    const again = await run(slurmCommand, fx.dir, '--model', 'MODEL', '--out-dir', outDir, '--shards', '4');
    expect(again.code).toBe(2);
    expect(again.err).toMatch(/already exists/);
  });

  it('quotes odd paths and validates Slurm values', async () => {
    const odd = path.join(work, "it's a dir");
    fs.mkdirSync(odd);
    const oddModel = path.join(work, "it's a model");
    fs.mkdirSync(oddModel);
    fs.writeFileSync(path.join(oddModel, 'model.json'), '{}');
    const r = await run(slurmCommand, odd, '--model', oddModel, '--out-dir', path.join(work, 'run2'), '--shards', '2', '--mtcgcnn', 'node /opt/mtcgcnn/cli.js');
    expect(r.code).toBe(0);
    const script = fs.readFileSync(path.join(work, 'run2', 'screen.sbatch'), 'utf8');
    expect(script).toContain(`node /opt/mtcgcnn/cli.js screen '${odd.replace("'", `'\\''`)}' --model '${oddModel.replace("'", `'\\''`)}' --out`);
    // A folder here that is not a model bundle is refused, as screen would on every node.
    const notModel = await run(slurmCommand, odd, '--model', odd, '--out-dir', path.join(work, 'run4'), '--shards', '2');
    expect(notModel.code).toBe(1);
    expect(notModel.err).toMatch(/is not a model bundle \(no model\.json\)/);
    expect(script).not.toContain('#SBATCH --partition');
    for (const bad of [['--time', '2h'], ['--mem', 'lots'], ['--partition', 'a b'], ['--shards', '0'], ['--cpus-per-task', '0']]) {
      const x = await run(slurmCommand, fx.dir, '--model', 'M', '--out-dir', path.join(work, 'run3'), '--shards', '2', ...bad);
      expect(x.code, bad.join(' ')).toBe(2);
    }
    expect((await run(slurmCommand, fx.dir, '--model', 'M', '--out-dir', path.join(work, 'with space'), '--shards', '2')).code).toBe(2);
  });
});
