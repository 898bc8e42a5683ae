import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readStructureFileSync } from '../../src-main/core/io';
import { ScreenError, screenFolder, type ScreenOptions, type ScreenProgress } from '../../src-main/core/screen';
import { compositionModel, expectedValues, makeFixture, readRows, tempDir, type FixtureInfo } from '../fixtures/screen/helpers';

let fx: FixtureInfo;
let outDir: string;
/** Output of an uninterrupted run (ensemble model, recursive), the reference for resume tests. */
let reference: string;

beforeAll(async () => {
  fx = makeFixture();
  outDir = tempDir('screen-out');
  await screenFolder(opts('reference.csv', { recursive: true }), compositionModel({ ensembleSize: 3 }));
  reference = fs.readFileSync(path.join(outDir, 'reference.csv'), 'utf8');
});
afterAll(() => {
  fs.rmSync(fx.dir, { recursive: true, force: true });
  fs.rmSync(outDir, { recursive: true, force: true });
});

function opts(name: string, extra: Partial<ScreenOptions> = {}): ScreenOptions {
  return {
    inputDir: fx.dir,
    outPath: path.join(outDir, name),
    threads: 0,
    fsync: false,
    chunkSize: 8,
    batchSize: 32,
    readOptions: { maxBytes: fx.maxBytes },
    ...extra,
  };
}

const HEADER_ENSEMBLE = [
  'id',
  'file',
  'formula',
  'n_atoms',
  'formation_energy_per_atom (eV/atom)',
  'formation_energy_per_atom_std (eV/atom)',
  'band_gap (eV)',
  'band_gap_std (eV)',
  'metal',
  'out_of_domain',
  'error',
];

describe('screenFolder: rows, columns and values', () => {
  it('writes one row per crystal, in sorted file order, with the documented columns', async () => {
    const model = compositionModel({ ensembleSize: 3 });
    const progress: ScreenProgress[] = [];
    const s = await screenFolder(opts('full.csv', { chunkSize: 4, batchSize: 16, progressIntervalMs: 0 }), model, { onProgress: (p) => progress.push(p) });
    const { header, rows } = readRows(path.join(outDir, 'full.csv'));
    expect(header).toEqual(HEADER_ENSEMBLE);

    // One row per file, two for the two-block CIF; no ignored or nested files without --recursive.
    const files = [...new Set(rows.map((r) => r.file))];
    expect(files).toEqual(fx.screened);
    expect(rows).toHaveLength(fx.screened.length + 1);
    expect(rows.map((r) => r.file)).toEqual([...rows.map((r) => r.file)].sort());
    for (const ign of [...fx.ignored, ...fx.nested]) expect(files).not.toContain(ign);

    const multi = rows.filter((r) => r.file === 'multi.cif');
    expect(multi.map((r) => r.id)).toEqual([`multi#${readStructureFileSync(path.join(fx.dir, '5.cif'))[0].name}`, 'multi#second']);

    expect(s).toMatchObject({ files: fx.screened.length, rows: fx.screened.length + 1, failed: Object.keys(fx.bad).length, skipped: 0, total: fx.screened.length, cancelled: false });
    expect(s.totalFailed).toBe(s.failed);

    let metals = 0;
    for (const r of rows) {
      const bad = fx.bad[r.file];
      if (bad) {
        expect(r.error, r.file).toMatch(bad);
        expect(r.id).toBe(r.file.replace(/\.cif$/, ''));
        for (const col of HEADER_ENSEMBLE.slice(2, -1)) expect(r[col], `${r.file} ${col}`).toBe('');
        continue;
      }
      expect(r.error, r.file).toBe('');
      const structures = readStructureFileSync(path.join(fx.dir, r.file));
      const st = r.file === 'multi.cif' ? structures[r.id === 'multi#second' ? 1 : 0].structure : structures[0].structure;
      expect(r.formula).toBe(st.reducedFormula());
      expect(Number(r.n_atoms)).toBe(st.numSites);
      const v = expectedValues(st.atomicNumbers());
      expect(Number(r['formation_energy_per_atom (eV/atom)'])).toBeCloseTo(v.fe, 6);
      expect(Number(r['formation_energy_per_atom_std (eV/atom)'])).toBeCloseTo(v.feStd, 6);
      expect(Number(r['band_gap (eV)'])).toBeCloseTo(v.gap, 6);
      expect(Number(r['band_gap_std (eV)'])).toBeCloseTo(v.gapStd, 6);
      expect(r.metal).toBe(v.gap < 0.025 ? 'metal' : 'non-metal');
      if (r.metal === 'metal') metals++;
      expect(r.out_of_domain).toBe('false');
    }
    expect(metals).toBeGreaterThan(5);
    expect(rows.find((r) => r.file === 'POSCAR_NaCl')).toMatchObject({ id: 'POSCAR_NaCl', formula: 'NaCl', n_atoms: '8', metal: 'non-metal' });
    expect(rows.find((r) => r.file === 'si.vasp')).toMatchObject({ id: 'si', formula: 'Si', n_atoms: '2', metal: 'metal' });
    expect(rows.find((r) => r.file === 'cu.extxyz')).toMatchObject({ id: 'cu', formula: 'Cu', n_atoms: '1' });

    // Prediction batches span featurization chunks and respect the batch size.
    expect(Math.max(...model.calls)).toBeLessThanOrEqual(16);
    expect(Math.max(...model.calls)).toBeGreaterThan(4);

    // Progress: monotonic, ends at the total with ETA 0.
    const last = progress[progress.length - 1];
    expect(last).toMatchObject({ done: fx.screened.length, total: fx.screened.length, failed: Object.keys(fx.bad).length });
    expect(last.etaSeconds).toBe(0);
    expect(last.ratePerSecond).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i].done).toBeGreaterThanOrEqual(progress[i - 1].done);
    expect(progress.some((p) => p.done > 0 && p.done < fx.screened.length)).toBe(true);
  });

  it('includes subfolders with --recursive, in lexicographic relative-path order', async () => {
    const { rows } = readRows(path.join(outDir, 'reference.csv'));
    const files = [...new Set(rows.map((r) => r.file))];
    expect(files).toEqual([...fx.screened, ...fx.nested].sort());
    expect(rows.find((r) => r.file === 'sub/CONTCAR')).toMatchObject({ id: 'CONTCAR', formula: 'NaCl' });
  });

  it('leaves out std columns for a single model and the metal column without a band-gap task', async () => {
    await screenFolder(opts('single.csv'), compositionModel());
    expect(readRows(path.join(outDir, 'single.csv')).header).toEqual(HEADER_ENSEMBLE.filter((h) => !h.includes('_std')));
    const noGap = { ...compositionModel(), tasks: [{ name: 'formation_energy_per_atom', unit: 'eV/atom' }, { name: 'bulk_modulus', unit: 'GPa' }] };
    await screenFolder(opts('nogap.csv'), noGap);
    expect(readRows(path.join(outDir, 'nogap.csv')).header).toEqual(['id', 'file', 'formula', 'n_atoms', 'formation_energy_per_atom (eV/atom)', 'bulk_modulus (GPa)', 'out_of_domain', 'error']);
  });

  it('flags crystals outside the training domain (elements, atom count)', async () => {
    // Training elements: everything except Ir; training sizes 2..100 atoms.
    const elements = Array.from({ length: 94 }, (_, i) => i + 1).filter((z) => z !== 77);
    await screenFolder(opts('domain.csv'), compositionModel({ elements, minAtoms: 2, maxAtoms: 100 }));
    const { rows } = readRows(path.join(outDir, 'domain.csv'));
    let flagged = 0;
    for (const r of rows.filter((x) => x.error === '')) {
      const structures = readStructureFileSync(path.join(fx.dir, r.file));
      const st = structures[r.id.endsWith('#second') ? 1 : 0].structure;
      const expected = st.elements().includes('Ir') || st.numSites < 2 || st.numSites > 100;
      expect(r.out_of_domain, r.file).toBe(expected ? 'true' : 'false');
      if (expected) flagged++;
    }
    expect(rows.find((r) => r.file === '0.cif')!.out_of_domain).toBe('true'); // ScB4Ir3
    expect(rows.find((r) => r.file === 'cu.extxyz')!.out_of_domain).toBe('true'); // 1 atom
    expect(flagged).toBeGreaterThan(2);
  });

  it('gives an error row to a crystal the model cannot predict and goes on', async () => {
    const model = compositionModel({ failIds: new Set(['7']) });
    const s = await screenFolder(opts('predfail.csv'), model);
    const { rows } = readRows(path.join(outDir, 'predfail.csv'));
    expect(rows.find((r) => r.file === '7.cif')!.error).toBe('prediction failed: cannot predict 7');
    expect(rows.find((r) => r.file === '7.cif')!.formula).not.toBe('');
    expect(rows.find((r) => r.file === '8.cif')!.error).toBe('');
    expect(s.failed).toBe(Object.keys(fx.bad).length + 1);
  });

  it('stops with ScreenError when the model cannot predict anything', async () => {
    const broken = { ...compositionModel(), predict: async () => Promise.reject(new Error('backend exploded')) };
    await expect(screenFolder(opts('broken.csv'), broken)).rejects.toMatchObject({ name: 'ScreenError', code: 'model', message: expect.stringContaining('backend exploded') });
  });
});

describe('screenFolder: output safety, cancellation and resume', () => {
  it('refuses to overwrite an existing output unless forced', async () => {
    const out = path.join(outDir, 'exists.csv');
    fs.writeFileSync(out, 'precious\n');
    await expect(screenFolder(opts('exists.csv'), compositionModel())).rejects.toBeInstanceOf(ScreenError);
    expect(fs.readFileSync(out, 'utf8')).toBe('precious\n');
    await screenFolder(opts('exists.csv', { force: true, recursive: true }), compositionModel({ ensembleSize: 3 }));
    expect(fs.readFileSync(out, 'utf8')).toBe(reference);
  });

  it('refuses to resume an output written for other columns', async () => {
    const out = path.join(outDir, 'other-model.csv');
    fs.writeFileSync(out, 'id,file,formula,n_atoms,x (eV),out_of_domain,error\n');
    await expect(screenFolder(opts('other-model.csv', { resume: true }), compositionModel())).rejects.toMatchObject({ code: 'resume' });
  });

  it('cancels cleanly through an AbortSignal and resumes to the same content as an uninterrupted run', async () => {
    const out = path.join(outDir, 'abort.csv');
    const controller = new AbortController();
    const s1 = await screenFolder(
      opts('abort.csv', { recursive: true, chunkSize: 4, batchSize: 8, progressIntervalMs: 0, signal: controller.signal }),
      compositionModel({ ensembleSize: 3 }),
      {
        onProgress: (p) => {
          if (p.done >= 20) controller.abort();
        },
      },
    );
    expect(s1.cancelled).toBe(true);
    const partial = fs.readFileSync(out, 'utf8');
    expect(partial.endsWith('\n')).toBe(true);
    expect(reference.startsWith(partial)).toBe(true);
    expect(partial.length).toBeLessThan(reference.length);
    expect(s1.files).toBeGreaterThanOrEqual(20);
    expect(s1.files).toBeLessThan(fx.screened.length);

    const s2 = await screenFolder(opts('abort.csv', { recursive: true, resume: true }), compositionModel({ ensembleSize: 3 }));
    expect(fs.readFileSync(out, 'utf8')).toBe(reference);
    // The last file of the first run is redone (it could have been cut between two of its rows).
    expect(s2.skipped).toBe(s1.files - 1);
    expect(s2.files + s2.skipped).toBe(fx.screened.length + fx.nested.length);
    expect(s2.previouslyFailed + s2.failed).toBe(Object.keys(fx.bad).length);
  });

  it('stops before doing anything when the signal is already aborted', async () => {
    const s = await screenFolder(opts('pre-aborted.csv', { signal: AbortSignal.abort() }), compositionModel({ ensembleSize: 3 }));
    expect(s).toMatchObject({ cancelled: true, files: 0, rows: 0 });
    expect(fs.readFileSync(path.join(outDir, 'pre-aborted.csv'), 'utf8')).toBe(HEADER_ENSEMBLE.join(',') + '\n');
  });

  it('resumes after a crash that cut the output anywhere, without losing or duplicating a row', async () => {
    const out = path.join(outDir, 'cut.csv');
    const lines = reference.split('\n');
    const headerLen = lines[0].length + 1;
    const multiStart = reference.indexOf('\nmulti#') + 1;
    const multiSecond = reference.indexOf('\nmulti#second') + 1;
    const cuts = [
      0,
      10, // inside the header
      headerLen, // header only
      headerLen + 5, // inside the first row
      multiSecond, // between the two rows of the two-block CIF
      multiSecond + 7, // inside the second row of the two-block CIF
      multiStart - 1, // just before the newline ending a row
      Math.floor(reference.length / 2),
      reference.length - 3,
      reference.length, // complete: resume redoes only the last file
    ];
    for (const cut of cuts) {
      fs.writeFileSync(out, reference.slice(0, cut));
      const s = await screenFolder(opts('cut.csv', { recursive: true, resume: true }), compositionModel({ ensembleSize: 3 }));
      expect(fs.readFileSync(out, 'utf8'), `cut at ${cut}`).toBe(reference);
      expect(s.files + s.skipped).toBe(fx.screened.length + fx.nested.length);
    }
  });
});
