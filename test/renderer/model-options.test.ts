import { describe, expect, it } from 'vitest';
import type { CatalogueModel, ProjectRun } from '@contract';
import { ensembleWords, groupModelOptions, keptModelKey, preferredModelKey, screeningModelOptions } from '../../src-renderer/src/screening/model-options';

function catalogueModel(name: string, over: Partial<CatalogueModel> = {}): CatalogueModel {
  return {
    name, source: 'shipped', dir: `/models/${name}`, isDefault: false, error: null, kind: 'MT-CGCNN', description: null,
    tasks: [{ name: 'band_gap_eV', label: 'Band gap', unit: 'eV', testMae: 0.474 }], ensembleSize: 3, sizeBytes: 1000,
    dataset: { name: 'mp-cgcnn-25k', description: 'Materials Project, 25,710 crystals', crystals: 25710, license: 'CC-BY-4.0', citations: [] },
    trainedIso: null, backend: null, epochs: null, recipe: null, ...over,
  } as CatalogueModel;
}

const run = { id: 'r1', name: 'my run', state: 'done', dataset: 'sample', tasks: ['formation_energy'], units: ['eV/atom'], testMae: [0.0812], members: 1 } as unknown as ProjectRun;

describe('screening model options', () => {
  const shipped = catalogueModel('mt-cgcnn-e4', { isDefault: true });
  const single = catalogueModel('cgcnn-fermi', { ensembleSize: 1 });
  const broken = catalogueModel('old', { source: 'user', error: 'model.json is not valid JSON' });

  it('lists the project runs, then the catalogue, each with its properties and test MAE', () => {
    const opts = screeningModelOptions([run], [shipped, single, broken]);
    expect(opts.map((o) => o.key)).toEqual(['run:r1', 'shipped:mt-cgcnn-e4', 'shipped:cgcnn-fermi', 'user:old']);
    expect(opts[0]).toMatchObject({ group: 'project', ref: { kind: 'run', runId: 'r1' }, members: 1, dataset: 'sample' });
    expect(opts[0]!.text).toMatch(/^my run · formation_energy 0\.0812 eV\/atom$/);
    expect(opts[1]!.text).toMatch(/^mt-cgcnn-e4 \(default, K=3\) · Band gap 0\.474 eV$/);
    expect(opts[1]).toMatchObject({ isDefault: true, license: 'CC-BY-4.0', ref: { kind: 'catalogue', model: { source: 'shipped', name: 'mt-cgcnn-e4' } } });
    expect(opts[2]!.text).toMatch(/^cgcnn-fermi · /);
    expect(opts[3]).toMatchObject({ text: 'old (cannot be used: model.json is not valid JSON)', members: null });
  });

  it('groups in picker order without empty groups', () => {
    const groups = groupModelOptions(screeningModelOptions([], [shipped, broken]));
    expect(groups.map((g) => [g.label, g.options.length])).toEqual([['Shipped with the app', 1], ['Your models', 1]]);
  });

  it('preselects a project run, else the shipped default, else any usable model', () => {
    const usable = (runs: ProjectRun[], models: CatalogueModel[]) => screeningModelOptions(runs, models).filter((o) => o.error === null);
    expect(preferredModelKey(usable([run], [single, shipped]))).toBe('run:r1');
    expect(preferredModelKey(usable([], [single, shipped]))).toBe('shipped:mt-cgcnn-e4');
    expect(preferredModelKey(usable([], [single]))).toBe('shipped:cgcnn-fermi');
    expect(preferredModelKey(usable([], [broken]))).toBe('');
  });

  it("keeps the user's pick while it is usable; otherwise follows the lists as they arrive", () => {
    const usable = (runs: ProjectRun[], models: CatalogueModel[]) => screeningModelOptions(runs, models).filter((o) => o.error === null);
    // The catalogue arrives first, then the project's runs: without a pick the run takes over.
    expect(keptModelKey(usable([], [shipped]), '', false)).toBe('shipped:mt-cgcnn-e4');
    expect(keptModelKey(usable([run], [shipped]), 'shipped:mt-cgcnn-e4', false)).toBe('run:r1');
    // A pick stays when the lists change, until the picked model is gone.
    expect(keptModelKey(usable([run], [shipped, single]), 'shipped:cgcnn-fermi', true)).toBe('shipped:cgcnn-fermi');
    expect(keptModelKey(usable([run], [shipped]), 'shipped:cgcnn-fermi', true)).toBe('run:r1');
    expect(keptModelKey(usable([], [broken]), 'user:old', true)).toBe('');
  });

  it('says the ensemble size in words', () => {
    expect(ensembleWords(3)).toBe('3-member ensemble');
    expect(ensembleWords(1)).toBe('single model');
    expect(ensembleWords(null)).toBe('ensemble size unknown');
  });
});
