// `--model` of predict, evaluate and slurm with the built CLI: resolved like screen's (a model folder, an installed
// model's name, or the shipped default when left out). MTCGCNN_HOME is a temp folder (so no user model of this
// machine leaks in) holding a tiny model trained on the MT-CGCNN sample as the user model "tiny"; MTCGCNN_RESOURCES
// is a temp resources folder whose models/default.json names a copy of it, "tiny-default", as the shipped default.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HAVE_SAMPLE, SAMPLE_DIR as SAMPLE } from '../shared-data';

const ROOT = path.resolve(__dirname, '..', '..');
const CLI = path.join(ROOT, 'out', 'main', 'cli.js');
const work = mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-model-option-'));
const HOME = path.join(work, 'home');
const RES = path.join(work, 'resources');
const USER_MODEL = path.join(HOME, 'models', 'tiny');
const DEFAULT_MODEL = path.join(RES, 'models', 'tiny-default');
const ENV = { ...process.env, MTCGCNN_HOME: HOME, MTCGCNN_RESOURCES: RES, MTCGCNN_MODELS_PATH: '', NO_COLOR: '1' };
const FILES = ['0.cif', '1.cif', '2.cif'].map((f) => path.join(SAMPLE, f));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function mtcgcnn(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { env: ENV, encoding: 'utf8' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

type Prediction = { id: string; predictions: Record<string, { value: number; unit: string }> };

function values(stdout: string): number[] {
  return (JSON.parse(stdout) as Prediction[]).flatMap((r) => Object.values(r.predictions).map((p) => p.value));
}

describe.skipIf(!HAVE_SAMPLE)('--model of predict, evaluate and slurm (built CLI)', () => {
  beforeAll(() => {
    mkdirSync(path.join(RES, 'models'), { recursive: true });
    symlinkSync(path.join(ROOT, 'resources', 'elements'), path.join(RES, 'elements'), 'dir');
    const r = mtcgcnn('train', SAMPLE, '--epochs', '1', '--atom-fea', '8', '--conv', '1', '--hidden', '8', '--out', USER_MODEL, '--quiet');
    expect(r.status, r.stderr).toBe(0);
    cpSync(USER_MODEL, DEFAULT_MODEL, { recursive: true });
    writeFileSync(path.join(RES, 'models', 'default.json'), JSON.stringify({ default: 'tiny-default' }));
    const models = mtcgcnn('models');
    expect(models.status, models.stderr).toBe(0);
    expect(models.stdout).toMatch(/^tiny-default .*\n.*^tiny /ms);
  });

  it('--help of predict, evaluate and slurm: a folder or an installed model, the shipped default when left out', () => {
    for (const verb of ['predict', 'evaluate', 'slurm']) {
      const h = mtcgcnn(verb, '--help');
      expect(h.status).toBe(0);
      const line = h.stdout.split('\n').find((l) => l.trimStart().startsWith('--model '));
      expect(line, verb).toMatch(/--model MODEL +.*or the name of an installed model \(see mtcgcnn models\) \(default: the shipped default model\)$/);
      expect(line, verb).not.toContain('required');
    }
  });

  it('predict: a folder, an installed name and no --model (the shipped default) give the same predictions of the same weights', () => {
    const byDir = mtcgcnn('predict', ...FILES, '--model', USER_MODEL, '--json');
    expect(byDir.status, byDir.stderr).toBe(0);
    const byName = mtcgcnn('predict', ...FILES, '--model', 'tiny', '--json');
    expect(byName.status, byName.stderr).toBe(0);
    expect(byName.stderr).toBe('');
    const byDefault = mtcgcnn('predict', ...FILES, '--json');
    expect(byDefault.status, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toContain(`using the shipped default model tiny-default (${DEFAULT_MODEL}); --model chooses another`);
    const v = values(byDir.stdout);
    expect(v).toHaveLength(6);
    expect(values(byName.stdout)).toEqual(v);
    expect(values(byDefault.stdout)).toEqual(v);
    expect((JSON.parse(byDefault.stdout) as Prediction[]).map((r) => r.id)).toEqual(['0.cif', '1.cif', '2.cif']);
  });

  it('predict: an unknown name or folder fails with one line naming the installed models; an empty --model is a usage error', () => {
    const unknown = mtcgcnn('predict', FILES[0], '--model', 'nope');
    expect(unknown.status).toBe(1);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/cannot load the model nope: no model folder or catalogue model named "nope" \(installed: tiny-default, tiny; see mtcgcnn models\)/);
    const missing = mtcgcnn('predict', FILES[0], '--model', './no/such/dir');
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/no such model folder: \.\/no\/such\/dir/);
    expect(mtcgcnn('predict', FILES[0], '--model', ' ').status).toBe(2);
  });

  it('evaluate: an installed name and the shipped default evaluate the same weights; metrics.json records the folder', () => {
    const m1 = path.join(work, 'by-name.json');
    const m2 = path.join(work, 'by-default.json');
    const byName = mtcgcnn('evaluate', SAMPLE, '--model', 'tiny', '--out', m1);
    expect(byName.status, byName.stderr).toBe(0);
    const byDefault = mtcgcnn('evaluate', SAMPLE, '--out', m2);
    expect(byDefault.status, byDefault.stderr).toBe(0);
    expect(byDefault.stderr).toContain(`using the shipped default model tiny-default (${DEFAULT_MODEL})`);
    const a = JSON.parse(readFileSync(m1, 'utf8'));
    const b = JSON.parse(readFileSync(m2, 'utf8'));
    expect(a.model).toBe(USER_MODEL);
    expect(b.model).toBe(DEFAULT_MODEL);
    expect(b.tasks).toEqual(a.tasks);
    expect(a.tasks.formation_energy_per_atom_eV.n).toBe(100);
    const bad = mtcgcnn('evaluate', SAMPLE, '--model', 'nope', '--out', path.join(work, 'x.json'));
    expect(bad.status).toBe(1);
    expect(existsSync(path.join(work, 'x.json'))).toBe(false);
  });

  it('slurm: names and the default become their folder in the script; a folder only on the cluster is kept with a warning', () => {
    const script = (dir: string) => readFileSync(path.join(dir, 'screen.sbatch'), 'utf8');
    const named = path.join(work, 'slurm-named');
    const r1 = mtcgcnn('slurm', SAMPLE, '--model', 'tiny', '--out-dir', named, '--shards', '2');
    expect(r1.status, r1.stderr).toBe(0);
    expect(r1.stderr).toBe('');
    expect(script(named)).toContain(`mtcgcnn screen ${SAMPLE} --model ${USER_MODEL} --out ${named}/shard-`);

    const byDefault = path.join(work, 'slurm-default');
    const r2 = mtcgcnn('slurm', SAMPLE, '--out-dir', byDefault, '--shards', '2');
    expect(r2.status, r2.stderr).toBe(0);
    expect(r2.stderr).toContain(`using the shipped default model tiny-default (${DEFAULT_MODEL}); the cluster nodes must see this folder`);
    expect(script(byDefault)).toContain(`--model ${DEFAULT_MODEL} --out`);

    const remote = path.join(work, 'slurm-remote');
    const r3 = mtcgcnn('slurm', SAMPLE, '--model', '/cluster/models/e4', '--out-dir', remote, '--shards', '2');
    expect(r3.status, r3.stderr).toBe(0);
    expect(r3.stderr).toMatch(/warning: MODEL_DIR \/cluster\/models\/e4 does not exist here and is not an installed model/);
    expect(script(remote)).toContain('--model /cluster/models/e4 --out');

    const notModel = mtcgcnn('slurm', SAMPLE, '--model', SAMPLE, '--out-dir', path.join(work, 'slurm-bad'), '--shards', '2');
    expect(notModel.status).toBe(1);
    expect(notModel.stderr).toMatch(/is not a model bundle \(no model\.json\)/);
    expect(existsSync(path.join(work, 'slurm-bad', 'screen.sbatch'))).toBe(false);
  });
});
