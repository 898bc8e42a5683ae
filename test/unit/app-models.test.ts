// The model catalogue in the app: models:list (shipped + user models with their cards), finding a catalogue model by
// source and name, and screen:start with a catalogue model through the real handlers and dispatcher: the manifest
// records the model, the table has ± per property, the unreadable file and the out-of-domain flag, the report is made
// from the model's folder. The shipped models are read in place; the user models are temp bundles whose model.json
// is a copy (one with a narrowed domain) and whose weights are a link to the shipped ones.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHandlers, createServices, type AppContext } from '../../src-main/app/handlers';
import { JobManager } from '../../src-main/app/jobs';
import { findCatalogueModel, modelCatalogue } from '../../src-main/app/models/model-catalogue';
import { listModels, resolveDefaultModel } from '../../src-main/core/catalogue';
import type { JobProgress, StartScreeningRequest } from '../../src-shared/contract';
import { createDispatcher, UserFacingError } from '../../src-main/ipc/dispatcher';
import { sampleCif } from '../fixtures/screen/helpers';


/** Solid argon, fcc (4 atoms): every element the features know, but argon is not in the models' training data. */
const ARGON_CIF = path.resolve(__dirname, '../fixtures/structures/Ar-fcc.cif');

let work: string;
let home: string;
const previousHome = process.env.MTCGCNN_HOME;

/** A user model: the shipped default's model.json (edited) with a link to its weights. */
function userBundle(dir: string, edit: (json: Record<string, unknown>) => void = () => {}): void {
  const shipped = resolveDefaultModel();
  fs.mkdirSync(dir, { recursive: true });
  const json = JSON.parse(fs.readFileSync(path.join(shipped.dir, 'model.json'), 'utf8')) as Record<string, unknown>;
  edit(json);
  fs.writeFileSync(path.join(dir, 'model.json'), JSON.stringify(json));
  fs.symlinkSync(path.join(shipped.dir, 'members'), path.join(dir, 'members'));
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-app-models-'));
  home = path.join(work, 'home');
  process.env.MTCGCNN_HOME = home;
  // Your models: one whose training domain leaves out Sc (so the scandium crystals are flagged), and a broken one.
  userBundle(path.join(home, 'models', 'narrow-no-sc'), (j) => {
    const d = j.domain as { elements: string[] };
    j.domain = { ...d, elements: d.elements.filter((e) => e !== 'Sc') };
  });
  fs.mkdirSync(path.join(home, 'models', 'broken'), { recursive: true });
  fs.writeFileSync(path.join(home, 'models', 'broken', 'model.json'), '{ not json');
});

afterAll(() => {
  if (previousHome === undefined) delete process.env.MTCGCNN_HOME;
  else process.env.MTCGCNN_HOME = previousHome;
  fs.rmSync(work, { recursive: true, force: true });
});

async function finished(jobs: JobManager, jobId: string): Promise<JobProgress> {
  for (let i = 0; i < 3000; i++) {
    const j = jobs.get(jobId);
    if (j && j.state !== 'running' && j.state !== 'queued') return j;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`job ${jobId} did not finish`);
}

describe('models:list', () => {
  it('lists the shipped models (default first) with their cards, then your models, a broken one with its error', () => {
    const info = modelCatalogue();
    const core = listModels();
    expect(info.defaultName).toBe(resolveDefaultModel().name);
    expect(info.shippedDir).toBe(core.shippedDir);
    expect(info.userDirs[0]).toBe(path.join(home, 'models'));
    expect(info.models.map((m) => `${m.source}:${m.name}`)).toEqual(core.models.map((m) => `${m.source}:${m.name}`));

    const def = info.models[0]!;
    expect(def).toMatchObject({ source: 'shipped', isDefault: true, error: null, kind: 'MT-CGCNN', ensembleSize: 3 });
    expect(def.tasks.map((t) => [t.name, t.label, t.unit])).toEqual([
      ['formation_energy_per_atom_eV', 'Formation energy', 'eV/atom'],
      ['band_gap_eV', 'Band gap', 'eV'],
      ['efermi_eV', 'Fermi energy', 'eV'],
      ['is_metal', 'Metal / non-metal', 'probability'],
    ]);
    // the metal / non-metal head is a classifier: ROC AUC and accuracy, no MAE
    const head = def.tasks.find((t) => t.name === 'is_metal')!;
    expect(head.testMae).toBeNull();
    expect(head.classifier!.testRocAuc).toBeGreaterThan(0.9);
    expect(head.classifier!.testAccuracy).toBeGreaterThan(0.85);
    for (const t of def.tasks.filter((x) => !x.classifier)) {
      expect(t.testMae).toBeGreaterThan(0);
      expect(t.testCount).toBeGreaterThan(1000);
    }
    expect(def.dataset.license).toContain('CC BY 4.0');
    expect(def.dataset.citations.join('\n')).toMatch(/Xie and J\. C\. Grossman/);
    expect(def.dataset.description).toMatch(/mp-cgcnn-25k/);
    expect(def.sizeBytes).toBeGreaterThan(100_000);
    expect(def.trainedIso).toMatch(/^\d{4}-\d\d-\d\d/);

    const single = info.models.find((m) => m.name === 'cgcnn-formation-energy-mp25k');
    expect(single).toMatchObject({ source: 'shipped', isDefault: false, kind: 'CGCNN', error: null });
    expect(single!.tasks).toHaveLength(1);
    expect(info.models.filter((m) => m.source === 'shipped').every((m) => m.dir.startsWith(info.shippedDir!))).toBe(true);

    const mine = info.models.filter((m) => m.source === 'user');
    expect(mine.map((m) => m.name)).toEqual(['broken', 'narrow-no-sc']);
    expect(mine[0]).toMatchObject({ error: expect.stringMatching(/not valid JSON/), tasks: [], ensembleSize: 0 });
    expect(mine[1]).toMatchObject({ error: null, ensembleSize: 3, dir: path.join(home, 'models', 'narrow-no-sc') });
  });

  it('answers through the dispatcher, and refuses an argument', async () => {
    const dispatch = createDispatcher(createHandlers(stubContext()));
    const res = await dispatch('models:list', undefined);
    expect(res.ok).toBe(true);
    if (res.ok) expect((res.value as { models: unknown[] }).models.length).toBeGreaterThanOrEqual(4);
    expect(await dispatch('models:list', { source: 'user' })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
  });
});

describe('finding a catalogue model', () => {
  it('finds a model by source and name', () => {
    const def = resolveDefaultModel();
    expect(findCatalogueModel({ source: 'shipped', name: def.name })).toMatchObject({ dir: def.dir, isDefault: true });
    expect(findCatalogueModel({ source: 'user', name: 'narrow-no-sc' }).dir).toBe(path.join(home, 'models', 'narrow-no-sc'));
  });

  it('refuses a model that is not installed there, naming the installed ones', () => {
    const def = resolveDefaultModel();
    expect(() => findCatalogueModel({ source: 'user', name: def.name })).toThrow(UserFacingError);
    expect(() => findCatalogueModel({ source: 'user', name: def.name })).toThrow(/No model "mtcgcnn-e4-mp25k" is installed among your models \(installed: broken, narrow-no-sc\)/);
    expect(() => findCatalogueModel({ source: 'shipped', name: 'narrow-no-sc' })).toThrow(/shipped with the app/);
  });

  it('refuses an unreadable model and a name used by two of your folders', () => {
    expect(() => findCatalogueModel({ source: 'user', name: 'broken' })).toThrow(/cannot be used: .*not valid JSON/);
    const extra = path.join(work, 'extra-models');
    userBundle(path.join(extra, 'narrow-no-sc'));
    expect(() => findCatalogueModel({ source: 'user', name: 'narrow-no-sc' }, { extraDirs: [extra] })).toThrow(/used by several folders/);
  });
});

function stubContext(): AppContext {
  return {
    backend: async () => ({ name: 'wasm', description: 'test', howToGetGpu: '', versions: {} }),
    events: { emit: () => {} },
    openExternal: async () => {},
    chooseFolder: async () => null,
    chooseFile: async () => null,
    chooseSaveFile: async () => null,
    printToPdf: async () => ({ bytes: 0 }),
  };
}

describe('screen:start with a catalogue model (real handlers, shipped weights)', () => {
  let jobs: JobManager;
  let dispatch: ReturnType<typeof createDispatcher>;
  let projectDir: string;
  let folder: string;
  const files = ['0.cif', '1.cif', '2.cif', '3.cif', '4.cif', '5.cif'];

  async function call<T>(channel: string, arg?: unknown): Promise<T> {
    const res = await dispatch(channel, arg);
    if (!res.ok) throw new Error(`${channel}: ${res.error.code}: ${res.error.message}`);
    return res.value as T;
  }

  async function screen(request: Omit<StartScreeningRequest, 'folder' | 'recursive'> & { folder?: string }): Promise<{ screeningId: string; job: JobProgress }> {
    const { screeningId, jobId } = await call<{ screeningId: string; jobId: string }>('screen:start', { folder, recursive: false, ...request });
    return { screeningId, job: await finished(jobs, jobId) };
  }

  beforeAll(async () => {
    jobs = new JobManager({ emit: () => {} });
    const ctx = stubContext();
    dispatch = createDispatcher(createHandlers(ctx, jobs, createServices(ctx, jobs)));
    projectDir = (await call<{ dir: string }>('project:create', { name: 'No runs yet', parentDir: work })).dir;
    folder = path.join(work, 'to screen');
    fs.mkdirSync(folder, { recursive: true });
    for (const f of files) fs.copyFileSync(sampleCif(f.replace('.cif', '')), path.join(folder, f));
    fs.copyFileSync(ARGON_CIF, path.join(folder, 'Ar-fcc.cif'));
    fs.writeFileSync(path.join(folder, 'zz-broken.cif'), 'data_broken\n_cell_length_a 1\n');
  });

  it('screens with the shipped default: the manifest records the model, the table has ± per property, the error row and the domain flag', async () => {
    const def = resolveDefaultModel();
    const { screeningId, job } = await screen({ model: { source: 'shipped', name: def.name }, name: 'Shipped default' });
    expect(job).toMatchObject({ state: 'done', unit: 'files', done: files.length + 2 });

    const manifest = JSON.parse(fs.readFileSync(path.join(projectDir, 'screenings', screeningId, 'screening.json'), 'utf8')) as Record<string, unknown>;
    expect(manifest).toMatchObject({ model: def.name, modelSource: 'shipped', modelDir: def.dir, ensembleSize: 3, ensemble: true, state: 'done', failed: 1 });
    expect(manifest.runId).toBeUndefined();

    const detail = await call<{ runId: string | null; model: unknown; screening: { modelSource: string } }>('screen:detail', { screeningId });
    expect(detail.runId).toBeNull();
    expect(detail.model).toEqual({ name: def.name, source: 'shipped', runId: null, dir: def.dir, ensembleSize: 3 });
    expect(detail.screening.modelSource).toBe('shipped');

    const table = await call<{
      tasks: { name: string; unit: string }[];
      ids: string[];
      values: (number | null)[][];
      std: (number | null)[][] | null;
      metal: (string | null)[] | null;
      outOfDomain: boolean[];
      errors: string[];
    }>('screen:table', { screeningId });
    expect(table.tasks.map((t) => t.unit)).toEqual(['eV/atom', 'eV', 'eV', 'probability']);
    expect(table.ids).toHaveLength(files.length + 2);
    expect(table.std).not.toBeNull();
    const broken = table.ids.indexOf('zz-broken');
    expect(table.errors[broken]).not.toBe('');
    expect(table.values.every((col) => col[broken] === null)).toBe(true);
    table.ids.forEach((_, i) => {
      if (i === broken) return;
      expect(table.errors[i]).toBe('');
      for (let k = 0; k < 3; k++) {
        expect(Number.isFinite(table.values[k]![i])).toBe(true);
        expect(table.std![k]![i]).toBeGreaterThanOrEqual(0);
      }
    });
    expect(table.metal).not.toBeNull();
    // Argon is not in the training data of the shipped models: flagged, but still predicted.
    const argon = table.ids.indexOf('Ar-fcc');
    expect(table.outOfDomain[argon]).toBe(true);
    expect(table.outOfDomain.filter(Boolean)).toHaveLength(1);

    // The report is made from the model's folder: ± values, the model error note, the licence.
    const report = await call<{ file: string }>('report:create', { kind: 'screening', screeningId });
    const html = fs.readFileSync(path.join(projectDir, report.file), 'utf8');
    expect(html).toContain('Shipped default');
    expect(html).toContain('±');
    expect(html).toContain(`Model ${def.name}, shipped with Crystal Property Studio`);
    expect(html).toMatch(/held-back test crystals: Formation energy 0\.\d+ eV\/atom/);
    expect(html).toContain('CC BY 4.0');
    expect(html).toContain('zz-broken');

    const project = await call<{ screenings: { id: string; model: string; modelSource: string }[] }>('project:current');
    expect(project.screenings.find((s) => s.id === screeningId)).toMatchObject({ model: def.name, modelSource: 'shipped' });
  });

  it('screens with one of your models (its own training domain flags the scandium crystals) and a single-task shipped model', async () => {
    const { screeningId, job } = await screen({ model: { source: 'user', name: 'narrow-no-sc' }, name: 'Mine' });
    expect(job.state).toBe('done');
    const table = await call<{ ids: string[]; formulas: string[]; outOfDomain: boolean[]; errors: string[] }>('screen:table', { screeningId });
    const flagged = table.ids.filter((_, i) => table.outOfDomain[i]);
    const withSc = table.ids.filter((_, i) => /Sc(?![a-z])/.test(table.formulas[i]!));
    expect(withSc.length).toBeGreaterThan(0);
    expect(flagged.sort()).toEqual([...withSc, 'Ar-fcc'].sort());
    expect((await call<{ model: { source: string; dir: string } }>('screen:detail', { screeningId })).model).toMatchObject({ source: 'user', dir: path.join(home, 'models', 'narrow-no-sc') });

    const single = await screen({ model: { source: 'shipped', name: 'cgcnn-formation-energy-mp25k' }, name: 'Single task' });
    expect(single.job.state).toBe('done');
    const t1 = await call<{ tasks: unknown[]; std: unknown[][] | null; metal: unknown }>('screen:table', { screeningId: single.screeningId });
    expect(t1.tasks).toEqual([{ name: 'formation_energy_per_atom_eV', unit: 'eV/atom' }]);
    expect(t1.std).not.toBeNull(); // a 3-member ensemble as well
    expect(t1.metal).toBeNull(); // no band-gap task, no metal call
  });

  it('refuses unknown and unusable models, and says so when a catalogue model is gone before a resume', async () => {
    expect(await dispatch('screen:start', { model: { source: 'user', name: 'nope' }, folder, name: 'x', recursive: false })).toMatchObject({
      ok: false,
      error: { code: 'not-found', message: expect.stringMatching(/No model "nope" is installed among your models/) },
    });
    expect(await dispatch('screen:start', { model: { source: 'user', name: 'broken' }, folder, name: 'x', recursive: false })).toMatchObject({ ok: false, error: { code: 'failed' } });
    expect(await dispatch('screen:start', { runId: 'no-such-run', folder, name: 'x', recursive: false })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await dispatch('screen:start', { model: { source: 'shipped', name: resolveDefaultModel().name }, folder: path.join(work, 'nope'), name: 'x', recursive: false })).toMatchObject({
      ok: false,
      error: { code: 'not-found' },
    });

    // A user model that screened, then was removed: resuming says what happened instead of loading something else.
    userBundle(path.join(home, 'models', 'temporary'));
    const { screeningId } = await screen({ model: { source: 'user', name: 'temporary' }, name: 'Temporary' });
    const file = path.join(projectDir, 'screenings', screeningId, 'screening.json');
    fs.writeFileSync(file, JSON.stringify({ ...JSON.parse(fs.readFileSync(file, 'utf8')), state: 'cancelled' }));
    fs.rmSync(path.join(home, 'models', 'temporary'), { recursive: true });
    const { jobId } = await call<{ jobId: string }>('screen:resume', { screeningId });
    const done = await finished(jobs, jobId);
    expect(done.state).toBe('failed');
    expect((await call<{ screening: { note: string } }>('screen:detail', { screeningId })).screening.note).toMatch(/temporary .* is no longer installed/);
  });
});
