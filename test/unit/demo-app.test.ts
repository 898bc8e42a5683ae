// The first-run demo's main-process side: demo.json as the app reads it, the results table (mean ± std, metal,
// domain reasons), the model's error note, where the window opens, and the demo service end to end with the real
// shipped model (read in place; the one OOD case uses a temp bundle whose model.json narrows the domain and whose
// weights are a link to the shipped ones).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoResourcesDir, DemoIndexError, parseDemoIndex, readDemoIndex } from '../../src-main/app/demo/demo-index';
import { demoModelOf, modelErrorNote, shippedDemoModel } from '../../src-main/app/demo/demo-model';
import { demoResultRows, DemoResultsError } from '../../src-main/app/demo/demo-results';
import { DEMO_MANIFEST, DemoService } from '../../src-main/app/demo/demo-service';
import { JobManager } from '../../src-main/app/jobs';
import { startSectionFor } from '../../src-main/app/start-section';
import { readModelCard, resolveDefaultModel } from '../../src-main/core/catalogue';
import { loadBundle } from '../../src-main/core/model/bundle';
import type { DemoStructure, JobProgress } from '../../src-shared/contract';
import { UserFacingError } from '../../src-main/ipc/dispatcher';

const REPO = path.resolve(__dirname, '..', '..');
const DEMO = path.join(REPO, 'resources', 'demo');
const DEMO_JSON = fs.readFileSync(path.join(DEMO, 'demo.json'), 'utf8');

let work: string;
beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'cps-demo-app-'));
});
afterAll(() => {
  fs.rmSync(work, { recursive: true, force: true });
});

function withJson(edit: (j: { structures: Record<string, unknown>[] } & Record<string, unknown>) => void): string {
  const j = JSON.parse(DEMO_JSON) as { structures: Record<string, unknown>[] } & Record<string, unknown>;
  edit(j);
  return JSON.stringify(j);
}

describe('demo index (resources/demo/demo.json)', () => {
  it('lists the 14 shipped prototypes with absolute file paths inside the demo folder', async () => {
    expect(demoResourcesDir()).toBe(DEMO);
    const index = await readDemoIndex();
    expect(index.dir).toBe(DEMO);
    expect(index.description).toMatch(/idealised, not relaxed/);
    expect(index.structures).toHaveLength(14);
    const nacl = index.structures[0]!;
    expect(nacl).toMatchObject({ id: 'NaCl-rocksalt', formula: 'NaCl', prototype: 'rock salt', strukturbericht: 'B1', spaceGroup: 'Fm-3m', spaceGroupNumber: 225, atoms: 8 });
    expect(nacl.file).toBe(path.join(DEMO, 'NaCl-rocksalt.cif'));
    expect(nacl.cell.a).toBeCloseTo(5.6402, 6);
    expect(nacl.references[0]!.source).toMatch(/Swanson/);
    expect(index.structures.find((s) => s.id === 'MgAl2O4-spinel')!.atoms).toBe(56);
    for (const s of index.structures) expect(fs.existsSync(s.file)).toBe(true);
  });

  it.each([
    ['not JSON', '{', /not valid JSON/],
    ['another format', withJson((j) => (j.format = 'something-else')), /not a demo index/],
    ['no structures', withJson((j) => (j.structures = [])), /lists no structures/],
    ['a path instead of a file name', withJson((j) => (j.structures[0]!.file = '../../etc/passwd')), /must be a file name in the demo folder/],
    ['a hidden file', withJson((j) => (j.structures[0]!.file = '.x.cif')), /must be a file name/],
    ['a missing field', withJson((j) => delete j.structures[1]!.formula), /structures\[1\]: "formula" must be a string/],
    ['a bad atom count', withJson((j) => (j.structures[2]!.atoms = 0)), /"atoms" must be a positive integer/],
    ['a bad cell', withJson((j) => ((j.structures[0]!.cell as Record<string, unknown>).a = 'big')), /structures\[0\]\.cell: "a" must be a number/],
    ['a duplicate id', withJson((j) => (j.structures[1]!.id = j.structures[0]!.id)), /lists "NaCl-rocksalt" twice/],
  ])('refuses demo.json with %s', (_what, text, message) => {
    expect(() => parseDemoIndex(text, DEMO)).toThrow(DemoIndexError);
    expect(() => parseDemoIndex(text, DEMO)).toThrow(message);
  });

  it('refuses a demo folder whose listed file is missing, saying to reinstall', async () => {
    const dir = path.join(work, 'demo-missing');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'demo.json'), DEMO_JSON);
    await expect(readDemoIndex(dir)).rejects.toThrow(/lists NaCl-rocksalt\.cif, which is not in .*; reinstall the app/);
    await expect(readDemoIndex(path.join(work, 'nowhere'))).rejects.toThrow(/the demo structures are missing .*ENOENT/);
  });
});

describe('the shipped model as the demo describes it', () => {
  it('has every task with its unit and held-back test MAE, and the ensemble size', () => {
    const { resolved, model } = shippedDemoModel();
    expect(resolved.isDefault).toBe(true);
    const card = readModelCard(resolved.dir);
    expect(model.name).toBe(resolved.name);
    expect(model.ensembleSize).toBe(card.ensembleSize);
    expect(model.ensembleSize).toBeGreaterThan(1);
    expect(model.tasks.map((t) => t.unit)).toEqual(card.tasks.map((t) => t.unit));
    expect(model.tasks.map((t) => t.testMae)).toEqual(card.tasks.map((t) => t.testMae));
    for (const t of model.tasks) {
      if (t.classifier) expect(t.classifier.testRocAuc).toBeGreaterThan(0.5);
      else expect(t.testMae).toBeGreaterThan(0);
    }
    expect(model.tasks.find((t) => /band_gap/.test(t.name))!.label).toBe('Band gap');
  });

  it('says the error in one sentence: MAE per property with units, n, and what ± is', () => {
    const model = demoModelOf('m', {
      ...readModelCard(resolveDefaultModel().dir),
      ensembleSize: 3,
      tasks: [
        { name: 'formation_energy_per_atom_eV', unit: 'eV/atom', testMae: 0.12272, testRmse: null, testR2: null, testCount: 5142 },
        { name: 'band_gap_eV', unit: 'eV', testMae: 0.47355, testRmse: null, testR2: null, testCount: 5142 },
        { name: 'ratio', unit: '', testMae: null, testRmse: null, testR2: null, testCount: null },
      ],
    });
    expect(modelErrorNote(model)).toBe(
      "Every prediction carries the model's error. Mean absolute error on 5,142 held-back test crystals: Formation energy 0.123 eV/atom, Band gap 0.474 eV, Ratio not recorded. ± values are the standard deviation of the 3 ensemble members (their disagreement), which is not the full error.",
    );
    expect(modelErrorNote({ ...model, ensembleSize: 1 })).toMatch(/single network, so predictions carry no ± spread/);
    const withHead = demoModelOf('m', {
      ...readModelCard(resolveDefaultModel().dir),
      ensembleSize: 3,
      tasks: [
        { name: 'band_gap_eV', unit: 'eV', testMae: 0.32419, testRmse: null, testR2: null, testCount: 5142 },
        { name: 'is_metal', unit: 'probability', testMae: null, testRmse: null, testR2: null, testCount: 5142, classifier: { testRocAuc: 0.97085, testAccuracy: 0.91910 } },
      ],
    });
    expect(modelErrorNote(withHead)).toContain('held-back test crystals: Band gap 0.324 eV. Metal / non-metal is a classifier giving a probability: ROC AUC 0.971, accuracy 91.9 % at the threshold chosen on the validation split.');
  });
});

describe('demo results table', () => {
  const structures: DemoStructure[] = ['A', 'B', 'C', 'D'].map((id, i) => ({
    id,
    name: `compound ${id}`,
    formula: `${id}x`,
    prototype: 'p',
    strukturbericht: 'B1',
    spaceGroup: 'Fm-3m',
    spaceGroupNumber: 225,
    atoms: 2 + i,
    file: `/demo/${id}.cif`,
    cell: { a: 1, b: 1, c: 1, alpha: 90, beta: 90, gamma: 90 },
    references: [],
  }));
  const tasks = [
    { name: 'e_form', unit: 'eV/atom' },
    { name: 'band_gap', unit: 'eV' },
  ];
  const header = ['id', 'file', 'formula', 'n_atoms', 'e_form (eV/atom)', 'e_form_std (eV/atom)', 'band_gap (eV)', 'band_gap_std (eV)', 'metal', 'out_of_domain', 'error'];
  // CSV order is by file name; C is out of domain, D failed, B is missing.
  const rows = [
    ['A', 'A.cif', 'Ax', '2', '-1.5', '0.05', '3.25', '0.2', 'non-metal', 'false', ''],
    ['C', 'C.cif', 'Cx', '4', '0.25', '0.5', '0.01', '0.02', 'metal', 'true', ''],
    ['D', 'D.cif', '', '', '', '', '', '', '', '', 'truncated (line 3): the file ends inside a loop'],
  ];

  it('gives one row per demo structure in the demo order, with mean, std, metal call and domain reasons', () => {
    const asked: string[] = [];
    const out = demoResultRows({ header, rows }, structures, tasks, (file) => {
      asked.push(file);
      return file.endsWith('C.cif') ? ['elements not in the training set: Cs'] : [];
    });
    expect(out.map((r) => r.id)).toEqual(['A', 'B', 'C', 'D']);
    expect(out[0]).toEqual({
      id: 'A', name: 'compound A', formula: 'Ax', prototype: 'p', file: '/demo/A.cif', atoms: 2,
      values: [-1.5, 3.25], std: [0.05, 0.2], metal: 'non-metal', outOfDomain: false, domainReasons: [], error: '',
    });
    expect(out[2]).toMatchObject({ values: [0.25, 0.01], std: [0.5, 0.02], metal: 'metal', outOfDomain: true, domainReasons: ['elements not in the training set: Cs'] });
    expect(asked).toEqual(['/demo/C.cif']); // reasons only for flagged crystals
    expect(out[1]).toMatchObject({ values: [null, null], std: [null, null], metal: null, outOfDomain: false, error: 'not in the demo results: screen the demo again', atoms: 3 });
    expect(out[3]).toMatchObject({ formula: 'Dx', values: [null, null], std: [null, null], metal: null, outOfDomain: false, error: 'truncated (line 3): the file ends inside a loop' });
  });

  it('keeps a flag the CSV set even when no reason is found, and reads a single model (no std columns)', () => {
    const single = header.filter((h) => !h.includes('_std'));
    const r = rows.map((row) => row.filter((_, i) => !header[i]!.includes('_std')));
    const out = demoResultRows({ header: single, rows: r }, structures, tasks, () => []);
    expect(out[0]!.std).toEqual([null, null]);
    expect(out[0]!.values).toEqual([-1.5, 3.25]);
    expect(out[2]!.domainReasons).toEqual(['outside the training domain']);
  });

  it('refuses results written by another model (columns missing)', () => {
    expect(() => demoResultRows({ header: ['id', 'file', 'x (eV)', 'out_of_domain', 'error'], rows: [] }, structures, tasks, () => [])).toThrow(DemoResultsError);
    expect(() => demoResultRows({ header: ['id', 'file', 'x (eV)', 'out_of_domain', 'error'], rows: [] }, structures, tasks, () => [])).toThrow(/no column "e_form \(eV\/atom\)", "band_gap \(eV\)"/);
  });
});

describe('where the window opens', () => {
  it('opens on the demo at first run (no project ever opened), on Projects afterwards', () => {
    expect(startSectionFor([])).toBe('demo');
    expect(startSectionFor([{ dir: '/p', name: 'P', openedAtIso: '2026-01-01T00:00:00Z', exists: false }])).toBe('projects');
  });
});

// ---- the service, with the real shipped model ----------------------------------------------------------------

const events: JobProgress[] = [];
function manager(): JobManager {
  return new JobManager({ emit: (_e, p) => events.push(p as JobProgress) });
}

async function finished(jobs: JobManager, jobId: string): Promise<JobProgress> {
  const until = Date.now() + 110_000;
  for (;;) {
    const j = jobs.get(jobId);
    if (j && j.state !== 'running' && j.state !== 'queued') return j;
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish: ${JSON.stringify(j)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe('demo service (shipped model, in-process featurization)', () => {
  let out: string;
  let jobs: JobManager;
  let demo: DemoService;
  const printed: { html: string; file: string }[] = [];

  beforeAll(() => {
    out = path.join(work, 'home', 'demo');
    jobs = manager();
    demo = new DemoService(jobs, async () => undefined, async (html, file) => {
      printed.push({ html, file });
      fs.writeFileSync(file, '%PDF-1.4 stand-in');
      return { bytes: 17 };
    }, { outDir: out, threads: 0 });
  });

  it('describes the demo before any screening: structures, the shipped model with its errors, no screening', async () => {
    const info = await demo.info();
    expect(info.structures).toHaveLength(14);
    expect(info.model?.name).toBe(resolveDefaultModel().name);
    expect(info.modelError).toBeNull();
    expect(info.screening).toBeNull();
    expect(info.outDir).toBe(out);
  });

  it('has no results or report before the demo is screened, and says what to do', async () => {
    await expect(demo.results()).rejects.toThrow(UserFacingError);
    await expect(demo.results()).rejects.toThrow(/has not been screened yet/);
    await expect(demo.report()).rejects.toThrow(/has not been screened yet/);
  });

  it('screens the 14 prototypes as a job: progress in files, results with ± per property under the studio home', async () => {
    const [first, second] = await Promise.all([demo.screen(), demo.screen()]); // two quick clicks: one job
    const { jobId } = first;
    expect(second.jobId).toBe(jobId);
    expect((await demo.screen()).jobId).toBe(jobId); // a later click joins the running job
    expect(jobs.list().filter((j) => j.kind === 'screen')).toHaveLength(1);
    const running = await demo.info();
    expect(running.screening).toMatchObject({ jobId, modelName: resolveDefaultModel().name });
    const done = await finished(jobs, jobId);
    expect(done).toMatchObject({ state: 'done', kind: 'screen', unit: 'files', done: 14, total: 14 });
    expect(fs.existsSync(path.join(out, 'results.csv'))).toBe(true);
    expect(fs.readdirSync(DEMO).some((f) => f.endsWith('.csv'))).toBe(false); // nothing written into resources/

    const info = await demo.info();
    expect(info.screening).toMatchObject({ state: 'done', jobId: null, files: 14, failed: 0 });

    const results = await demo.results();
    expect(results.rows.map((r) => r.id)).toEqual(info.structures.map((s) => s.id));
    expect(results.model.tasks.map((t) => t.unit)).toEqual(['eV/atom', 'eV', 'eV', 'probability']);
    // the threshold the shipped bundle chose on its validation split: of its metal / non-metal classifier when it has
    // one, else of the band gap (0.025 eV when it stores none)
    const stored = loadBundle(resolveDefaultModel().dir).decisionThresholds;
    const head = results.model.tasks.findIndex((t) => t.classifier);
    const gapTask = results.model.tasks.find((t) => t.name.startsWith('band_gap'))!.name;
    const decidedBy = head >= 0 ? head : results.model.tasks.findIndex((t) => t.name === gapTask);
    expect(results.metalRule).toBe(head >= 0 ? 'probability-above' : 'gap-below');
    expect(results.metalThreshold).toBe(head >= 0 ? stored[results.model.tasks[head].name] : stored[gapTask] ?? 0.025);
    expect(results.staleNote).toBeUndefined();
    for (const r of results.rows) {
      expect(r.error).toBe('');
      expect(r.values.every((v) => v !== null && Number.isFinite(v))).toBe(true);
      expect(r.std.every((v) => v !== null && v >= 0)).toBe(true);
      expect(['metal', 'non-metal']).toContain(r.metal);
      expect(r.outOfDomain).toBe(false); // every demo element and size is inside the mp-cgcnn-25k domain
    }
    for (const r of results.rows) {
      const v = r.values[decidedBy]!;
      expect(r.metal).toBe((head >= 0 ? v > results.metalThreshold! : v < results.metalThreshold!) ? 'metal' : 'non-metal');
    }
    // the textbook metals are called metals
    expect(results.rows.filter((r) => r.metal === 'metal').map((r) => r.id)).toEqual(expect.arrayContaining(['Cu-fcc', 'Fe-bcc']));
  });

  it('renders the screening report with the demo notice and the model error, and prints it to PDF', async () => {
    const report = await demo.report();
    expect(report.file).toBe(path.join(out, 'report.html'));
    expect(fs.readFileSync(report.file, 'utf8')).toBe(report.html);
    expect(report.title).toBe(`Demo: 14 textbook prototypes screened with ${resolveDefaultModel().name}`);
    expect(report.html).toContain('Screening report');
    expect(report.html).toContain('structures from the demo set (resources/demo)');
    expect(report.html).toContain('textbook prototypes written by Crystal Property Studio');
    expect(report.html).toContain('not relaxed DFT structures');
    expect(report.html).toMatch(/held-back test crystals: Formation energy 0\.\d+ eV\/atom/);
    expect(report.html).toContain('NaCl-rocksalt');
    expect(report.html).toContain('±');

    const pdf = path.join(work, 'demo.pdf');
    expect(await demo.reportPdf(pdf)).toEqual({ path: pdf, bytes: 17 });
    expect(printed.at(-1)!.file).toBe(pdf);
    expect(printed.at(-1)!.html).toContain('Screening report');
    await expect(demo.reportPdf(path.join(work, 'no-such-folder', 'x.pdf'))).rejects.toThrow(/does not exist/);
  });

  it('cancels a demo screening: the state says so and there are no results until it is screened again', async () => {
    const { jobId } = await demo.screen();
    jobs.cancel(jobId);
    const done = await finished(jobs, jobId);
    expect(['cancelled', 'done']).toContain(done.state); // 14 small files can finish before the abort lands
    if (done.state === 'cancelled') {
      expect((await demo.info()).screening).toMatchObject({ state: 'cancelled', note: expect.stringMatching(/Cancelled/) });
      await expect(demo.results()).rejects.toThrow(/is cancelled, so it has no results/);
    }
  });

  it('reports a screening left "running" by a previous session as interrupted', async () => {
    const file = path.join(out, DEMO_MANIFEST);
    const m = JSON.parse(fs.readFileSync(file, 'utf8')) as Record<string, unknown>;
    fs.writeFileSync(file, JSON.stringify({ ...m, state: 'running' }));
    const fresh = new DemoService(manager(), async () => undefined, async () => ({ bytes: 0 }), { outDir: out });
    expect((await fresh.info()).screening).toMatchObject({ state: 'interrupted', jobId: null, note: expect.stringMatching(/stopped/) });
    await expect(fresh.results()).rejects.toThrow(/interrupted/);
    fs.writeFileSync(file, '{ damaged');
    expect((await fresh.info()).screening).toBeNull();
  });

  it('without a shipped model: says why in demo:info, and refuses to screen', async () => {
    const resources = path.join(work, 'empty-resources');
    fs.mkdirSync(path.join(resources, 'models'), { recursive: true });
    const none = new DemoService(manager(), async () => undefined, async () => ({ bytes: 0 }), { outDir: path.join(work, 'none'), catalogue: { resourcesDir: resources } });
    const info = await none.info();
    expect(info.model).toBeNull();
    expect(info.modelError).toMatch(/The demo needs the shipped model, but no shipped model found/);
    await expect(none.screen()).rejects.toThrow(UserFacingError);
  });

  it('flags crystals outside the training domain with the reason (a model that never saw Cs or 56-atom cells)', async () => {
    // A bundle whose model.json records a narrower domain; its member weights are a link to the shipped ones.
    const shipped = resolveDefaultModel();
    const resources = path.join(work, 'narrow-resources');
    const bundle = path.join(resources, 'models', 'narrow');
    fs.mkdirSync(bundle, { recursive: true });
    const json = JSON.parse(fs.readFileSync(path.join(shipped.dir, 'model.json'), 'utf8')) as { domain: { elements: string[]; minAtoms: number; maxAtoms: number } };
    json.domain = { ...json.domain, elements: json.domain.elements.filter((e) => e !== 'Cs'), maxAtoms: 20 };
    fs.writeFileSync(path.join(bundle, 'model.json'), JSON.stringify(json));
    fs.symlinkSync(path.join(shipped.dir, 'members'), path.join(bundle, 'members'));
    fs.writeFileSync(path.join(resources, 'models', 'default.json'), JSON.stringify({ default: 'narrow' }));
    const jobs2 = manager();
    const narrow = new DemoService(jobs2, async () => undefined, async () => ({ bytes: 0 }), { outDir: path.join(work, 'narrow-out'), threads: 0, catalogue: { resourcesDir: resources } });
    const { jobId } = await narrow.screen();
    expect((await finished(jobs2, jobId)).state).toBe('done');
    const rows = (await narrow.results()).rows;
    const flagged = Object.fromEntries(rows.filter((r) => r.outOfDomain).map((r) => [r.id, r.domainReasons]));
    expect(flagged).toEqual({
      'CsCl-caesiumchloride': ['elements not in the training set: Cs'],
      'MgAl2O4-spinel': ['56 atoms, more than the training maximum 20'],
    });
    expect((await narrow.results()).staleNote).toBeUndefined();
    // Seen from the real catalogue, whose default is another model, these results are stale.
    const other = new DemoService(manager(), async () => undefined, async () => ({ bytes: 0 }), { outDir: path.join(work, 'narrow-out') });
    expect((await other.results()).staleNote).toMatch(/come from narrow; the shipped model is now /);
  });
});
