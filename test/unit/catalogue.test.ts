// The model catalogue, `mtcgcnn models` and `mtcgcnn screen` without --model, against a temp resources folder
// holding a tiny bundle trained here (the real shipped models are never touched or copied).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src-main/core/compute/backend';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { trainModel } from '../../src-main/core/train/trainer';
import type { TrainingData } from '../../src-main/core/train/types';
import { syntheticElementTable, syntheticGraphs, syntheticTargets } from '../fixtures/synthetic-training';
import { saveTrainedModel } from '../../src-main/services/training-run';
import { loadCatalogueScreeningModel, loadScreeningModel } from '../../src-main/services/screening-model';
import { formatBytes, listModels, readModelCard, resolveModel, type CatalogueOptions } from '../../src-main/core/catalogue';
import { runCommand, type Command } from '../../src-main/cli/command';
import { modelsCommand } from '../../src-main/cli/commands/models';
import { createScreenCommand } from '../../src-main/cli/commands/screen';
import { COMMANDS } from '../../src-main/cli/registry';

const REPO = path.resolve(__dirname, '..', '..');
const DEMO = path.join(REPO, 'resources', 'demo');

let work: string;
/** A resources folder: elements/ (copied), models/tiny-mt (trained here), models/default.json. */
let resources: string;
/** MTCGCNN_HOME: models/mine (copy of tiny-mt), models/broken (bad model.json), models/not-a-model (no model.json). */
let home: string;
/** A bundle folder given directly in MTCGCNN_MODELS_PATH. */
let extra: string;
let opts: CatalogueOptions;

/** Runs a command object as `mtcgcnn <verb>` does (runCommand), capturing stdout and stderr. */
async function run(cmd: Command, ...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCommand(cmd, argv, { out: (l) => out.push(l), err: (l) => err.push(l), progress: () => {}, isTty: false });
  return { code, out: out.join('\n'), err: err.join('\n') };
}

function withEnv<T>(env: Record<string, string | undefined>, f: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(env).map((k) => [k, process.env[k]]));
  for (const [k, v] of Object.entries(env)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  return f().finally(() => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  });
}

beforeAll(async () => {
  await initBackend({ force: 'wasm', skipNative: true });
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'mtcgcnn-models-'));
  resources = path.join(work, 'resources');
  home = path.join(work, 'home');
  fs.cpSync(path.join(REPO, 'resources', 'elements'), path.join(resources, 'elements'), { recursive: true });

  const graphs = syntheticGraphs(24, { seed: 5, minAtoms: 2, maxAtoms: 6, maxZ: 60 });
  const matrix = syntheticElementTable(92);
  const data: TrainingData = {
    graphs,
    targets: syntheticTargets(graphs, 2, 0, 5),
    tasks: [
      { name: 'formation_energy_per_atom_eV', unit: 'eV/atom' },
      { name: 'band_gap_eV', unit: 'eV' },
    ],
    elementTable: { dimension: 92, matrix: () => matrix },
    graphSettings: DEFAULT_GRAPH_SETTINGS,
    datasetName: 'synthetic-24',
    datasetHash: 'feedbeef',
  };
  const result = await trainModel({ model: { convDim: 8, numConv: 1, hiddenDim: 8 }, epochs: 1, members: 2, seed: 3 }, data);
  const tiny = path.join(resources, 'models', 'tiny-mt');
  saveTrainedModel(tiny, result, data, graphs, { command: 'test' });
  fs.writeFileSync(path.join(tiny, 'card.json'), JSON.stringify({ description: 'tiny test model', dataset: { name: 'synthetic (24 crystals)', license: 'none', citations: ['nobody'] } }));
  fs.writeFileSync(path.join(resources, 'models', 'default.json'), JSON.stringify({ default: 'tiny-mt' }));

  fs.cpSync(tiny, path.join(home, 'models', 'mine'), { recursive: true });
  fs.rmSync(path.join(home, 'models', 'mine', 'card.json'));
  fs.mkdirSync(path.join(home, 'models', 'broken'), { recursive: true });
  fs.writeFileSync(path.join(home, 'models', 'broken', 'model.json'), '{ not json');
  fs.mkdirSync(path.join(home, 'models', 'not-a-model'), { recursive: true });
  extra = path.join(work, 'elsewhere', 'lab-model');
  fs.cpSync(tiny, extra, { recursive: true });
  opts = { resourcesDir: resources, userModelsDir: path.join(home, 'models'), extraDirs: [extra], env: {} };
});

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('model catalogue', () => {
  it('lists the shipped default first, then user and extra models, with their cards', () => {
    const cat = listModels(opts);
    expect(cat.shippedDir).toBe(path.join(resources, 'models'));
    expect(cat.defaultName).toBe('tiny-mt');
    expect(cat.warnings).toEqual([]);
    expect(cat.models.map((m) => [m.name, m.source, m.isDefault])).toEqual([
      ['tiny-mt', 'shipped', true],
      ['broken', 'user', false],
      ['mine', 'user', false],
      ['lab-model', 'user', false],
    ]);
    const card = cat.models[0].card!;
    expect(card.description).toBe('tiny test model');
    expect(card.ensembleSize).toBe(2);
    expect(card.tasks.map((t) => [t.name, t.unit])).toEqual([
      ['formation_energy_per_atom_eV', 'eV/atom'],
      ['band_gap_eV', 'eV'],
    ]);
    for (const t of card.tasks) {
      expect(t.testMae).toBeGreaterThan(0);
      expect(t.testCount).toBeGreaterThan(0);
    }
    expect(card.dataset).toMatchObject({ name: 'synthetic-24', description: 'synthetic (24 crystals)', crystals: 24, contentHash: 'feedbeef', license: 'none', citations: ['nobody'] });
    expect(card.backend?.name).toBe('wasm');
    expect(card.architecture).toMatchObject({ convDim: 8, numConv: 1, hiddenDim: 8, sharing: 'hard' });
    expect(card.epochs).toBe(1);
    expect(Number.isNaN(Date.parse(card.date!))).toBe(false);
    const tiny = path.join(resources, 'models', 'tiny-mt');
    const bytes = ['model.json', 'card.json', 'training-run.json', 'test-predictions.json', 'members/0/weights.bin', 'members/1/weights.bin'].reduce(
      (a, f) => a + fs.statSync(path.join(tiny, f)).size,
      0,
    );
    expect(card.sizeBytes).toBe(bytes);
    expect(cat.models[2].card!.dataset.description).toBeNull();
    expect(cat.models[1]).toMatchObject({ card: null, error: expect.stringMatching(/broken.model\.json is not valid JSON/) });
  });

  it('reads the real shipped catalogue of this repository (it ships a default model)', () => {
    const real = listModels({ resourcesDir: path.join(REPO, 'resources'), userModelsDir: path.join(work, 'none'), extraDirs: [] });
    expect(real.defaultName).not.toBeNull();
    const def = real.models.find((m) => m.isDefault)!;
    expect(def.card!.tasks.length).toBeGreaterThan(0);
    expect(def.card!.ensembleSize).toBeGreaterThan(0);
  });

  it('resolves nothing to the shipped default, names to their folders, folders to themselves', () => {
    expect(resolveModel(undefined, opts)).toEqual({ dir: path.join(resources, 'models', 'tiny-mt'), name: 'tiny-mt', source: 'shipped', isDefault: true });
    expect(resolveModel('', opts).name).toBe('tiny-mt');
    expect(resolveModel('mine', opts)).toMatchObject({ dir: path.join(home, 'models', 'mine'), source: 'user', isDefault: false });
    expect(resolveModel('lab-model', opts)).toMatchObject({ dir: extra, source: 'user' });
    expect(resolveModel(extra, opts)).toMatchObject({ dir: extra, name: 'lab-model', source: 'path' });
    expect(resolveModel(path.join(resources, 'models', 'tiny-mt'), opts)).toMatchObject({ source: 'shipped', isDefault: true });
    const rel = path.relative(process.cwd(), path.join(home, 'models', 'mine'));
    expect(resolveModel(rel, opts).dir).toBe(path.join(home, 'models', 'mine'));
  });

  it('explains unknown names, missing folders, non-bundles and ambiguous names', () => {
    expect(() => resolveModel('nope', opts)).toThrow(/no model folder or catalogue model named "nope" \(installed: tiny-mt, broken, mine, lab-model; see mtcgcnn models\)/);
    expect(() => resolveModel('./nope', opts)).toThrow(/no such model folder: \.\/nope/);
    expect(() => resolveModel(path.join(home, 'models', 'not-a-model'), opts)).toThrow(/not-a-model is not a model bundle \(no model\.json\)/);
    const twin = path.join(work, 'twins', 'mine');
    fs.cpSync(path.join(home, 'models', 'mine'), twin, { recursive: true });
    expect(() => resolveModel('mine', { ...opts, extraDirs: [path.dirname(twin)] })).toThrow(/the model name "mine" is ambiguous: .*pass the folder instead/);
  });

  it('says clearly when no default model is installed', () => {
    const bare = path.join(work, 'bare-resources');
    fs.mkdirSync(path.join(bare, 'elements'), { recursive: true });
    const o = { ...opts, resourcesDir: bare };
    const models = path.join(bare, 'models');
    expect(() => resolveModel(undefined, o)).toThrow(`no shipped model found in ${models}; pass --model DIR`);
    fs.mkdirSync(models);
    fs.writeFileSync(path.join(models, 'default.json'), JSON.stringify({ default: 'gone' }));
    expect(() => resolveModel(undefined, o)).toThrow(`no shipped model found in ${models} (default.json names "gone", which has no model.json); pass --model DIR`);
    expect(listModels(o).warnings[0]).toMatch(/names "gone", which is not installed/);
    fs.writeFileSync(path.join(models, 'default.json'), '["x"]');
    expect(() => resolveModel(undefined, o)).toThrow(/default\.json must be \{"default": "<model folder name>"\}/);
    // a name still resolves without a default
    expect(resolveModel('mine', o).source).toBe('user');
    // no resources folder at all
    expect(() => resolveModel(undefined, { ...opts, resourcesDir: undefined, env: { MTCGCNN_RESOURCES: path.join(work, 'nowhere') } })).toThrow(
      /^no shipped model found \(MTCGCNN_RESOURCES=.* does not contain an 'elements' folder\); pass --model DIR$/,
    );
  });

  it('readModelCard refuses folders that are not bundles', () => {
    expect(() => readModelCard(path.join(home, 'models', 'not-a-model'))).toThrow(/is not a model bundle \(no model\.json\)/);
    const foreign = path.join(work, 'foreign');
    fs.mkdirSync(foreign);
    fs.writeFileSync(path.join(foreign, 'model.json'), JSON.stringify({ format: 'something-else' }));
    expect(() => readModelCard(foreign)).toThrow(/is not a Crystal Property Studio model bundle/);
  });

  it('formats sizes', () => {
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(1901496)).toBe('1.9 MB');
    expect(formatBytes(123_456)).toBe('123 kB');
    expect(formatBytes(999_999)).toBe('1.0 MB');
    expect(formatBytes(-1)).toBe('–');
    expect(formatBytes(Number.NaN)).toBe('–');
  });

  it('follows MTCGCNN_RESOURCES, MTCGCNN_HOME and MTCGCNN_MODELS_PATH by default', async () => {
    await withEnv({ MTCGCNN_RESOURCES: resources, MTCGCNN_HOME: home, MTCGCNN_MODELS_PATH: [extra, path.join(work, 'missing')].join(path.delimiter) }, async () => {
      const cat = listModels();
      expect(cat.userDirs).toEqual([path.join(home, 'models'), extra, path.join(work, 'missing')]);
      expect(cat.models.map((m) => m.name)).toEqual(['tiny-mt', 'broken', 'mine', 'lab-model']);
      expect(resolveModel().name).toBe('tiny-mt');
      const { resolved, model } = await loadCatalogueScreeningModel('mine');
      expect(resolved.source).toBe('user');
      expect(model.ensembleSize).toBe(2);
      expect(model.tasks.map((t) => t.name)).toEqual(['formation_energy_per_atom_eV', 'band_gap_eV']);
    });
  });
});

describe('mtcgcnn models', () => {
  it('is registered', () => {
    expect(COMMANDS.map((c) => c.name)).toContain('models');
  });

  it('prints a table with tasks, test MAE with units, ensemble size and size', async () => {
    await withEnv({ MTCGCNN_RESOURCES: resources, MTCGCNN_HOME: home, MTCGCNN_MODELS_PATH: extra }, async () => {
      const r = await run(modelsCommand);
      expect(r.code).toBe(0);
      const lines = r.out.split('\n');
      expect(lines[0]).toMatch(/^NAME +WHERE +K +SIZE +TRAINED +DATASET +BACKEND +TASK +TEST MAE$/);
      expect(lines[1]).toMatch(/^tiny-mt +shipped, default +2 +\d+(\.\d)? kB +\d{4}-\d\d-\d\d +synthetic-24 \(24\) +wasm +formation_energy_per_atom_eV +\d\.\d+(e-\d+)? eV\/atom$/);
      expect(lines[2]).toMatch(/^ +band_gap_eV +[\d.e-]+ eV$/);
      expect(r.out).toMatch(/^broken +user .*unreadable: .*not valid JSON/m);
      expect(r.out).toMatch(/^mine +user +2 /m);
      expect(r.out).toMatch(/^lab-model +user +2 /m);
      expect(r.out).toContain(`shipped models: ${path.join(resources, 'models')} (default: tiny-mt)`);
      expect(r.out).toContain(`your models:    ${path.join(home, 'models')}, ${extra}`);
      expect(r.err).toBe('');
    });
  });

  it('--json gives every card field', async () => {
    await withEnv({ MTCGCNN_RESOURCES: resources, MTCGCNN_HOME: home, MTCGCNN_MODELS_PATH: '' }, async () => {
      const r = await run(modelsCommand, '--json');
      expect(r.code).toBe(0);
      const j = JSON.parse(r.out);
      expect(j.defaultModel).toBe('tiny-mt');
      expect(j.models[0]).toMatchObject({ name: 'tiny-mt', source: 'shipped', isDefault: true, card: { ensembleSize: 2, backend: { name: 'wasm' } } });
      expect(j.models[0].card.tasks[1]).toMatchObject({ name: 'band_gap_eV', unit: 'eV' });
      expect(j.models.map((m: { name: string }) => m.name)).toEqual(['tiny-mt', 'broken', 'mine']);
    });
  });

  it('says so when nothing is installed', async () => {
    const bare = path.join(work, 'bare2');
    fs.mkdirSync(path.join(bare, 'elements'), { recursive: true });
    await withEnv({ MTCGCNN_RESOURCES: bare, MTCGCNN_HOME: path.join(work, 'empty-home'), MTCGCNN_MODELS_PATH: '' }, async () => {
      const r = await run(modelsCommand);
      expect(r.code).toBe(0);
      expect(r.out.split('\n')[0]).toBe('no models installed');
    });
  });
});

describe('mtcgcnn screen without --model', () => {
  const screen = createScreenCommand(loadScreeningModel);

  it('uses the shipped default model and says so', async () => {
    await withEnv({ MTCGCNN_RESOURCES: resources, MTCGCNN_HOME: home, MTCGCNN_MODELS_PATH: '' }, async () => {
      const out = path.join(work, 'demo.csv');
      const r = await run(screen, DEMO, '--out', out, '--threads', '0');
      expect(r.err).toBe(
        `using the shipped default model tiny-mt (${path.join(resources, 'models', 'tiny-mt')}); --model chooses another\n` +
          'not read: 2 entries (2 not a structure file kind: README.md, demo.json)',
      );
      expect(r.code).toBe(0);
      const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
      expect(lines[0]).toMatch(/^id,file,formula,n_atoms,formation_energy_per_atom_eV \(eV\/atom\),formation_energy_per_atom_eV_std \(eV\/atom\),band_gap_eV \(eV\)/);
      expect(lines).toHaveLength(1 + 14);
      expect(lines.find((l) => l.startsWith('MgAl2O4-spinel,'))).toMatch(/^MgAl2O4-spinel,MgAl2O4-spinel\.cif,MgAl2O4,56,-?\d/);
    });
  });

  it('takes a catalogue name, and fails with exit 1 and a clear message without a default', async () => {
    await withEnv({ MTCGCNN_RESOURCES: resources, MTCGCNN_HOME: home, MTCGCNN_MODELS_PATH: '' }, async () => {
      const out = path.join(work, 'mine.csv');
      const r = await run(screen, DEMO, '--model', 'mine', '--out', out, '--threads', '0');
      expect(r).toMatchObject({ code: 0, err: 'not read: 2 entries (2 not a structure file kind: README.md, demo.json)' });
      const bad = await run(screen, DEMO, '--model', 'nope', '--out', path.join(work, 'never.csv'));
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/^mtcgcnn screen: error: cannot load the model nope: no model folder or catalogue model named "nope"/);
      const empty = await run(screen, DEMO, '--model', '', '--out', path.join(work, 'never.csv'));
      expect(empty).toMatchObject({ code: 2, err: 'mtcgcnn screen: error: --model is empty (leave it out to use the shipped default model)' });
    });
    const bare = path.join(work, 'bare3');
    fs.mkdirSync(path.join(bare, 'elements'), { recursive: true });
    await withEnv({ MTCGCNN_RESOURCES: bare, MTCGCNN_HOME: home }, async () => {
      const r = await run(screen, DEMO, '--out', path.join(work, 'never.csv'));
      expect(r.code).toBe(1);
      expect(r.err).toBe(`mtcgcnn screen: error: no shipped model found in ${path.join(bare, 'models')}; pass --model DIR`);
      expect(fs.existsSync(path.join(work, 'never.csv'))).toBe(false);
    });
  });

  it('documents the default in --help', async () => {
    const r = await run(screen, '--help');
    expect(r.out).toMatch(/--model MODEL +trained model folder, or the name of an installed model \(see mtcgcnn models\) \(default: the shipped default model\)/);
    expect(r.out).toMatch(/Without --model the shipped default model is used/);
  });
});
