import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { featurizeDataset } from '../../src-main/core/featurize/featurize-dataset';
import { buildCrystalGraph } from '../../src-main/core/graph/build-graph';
import { DEFAULT_GRAPH_SETTINGS } from '../../src-main/core/graph/crystal-graph';
import { readStructureFileSync } from '../../src-main/core/io';
import { sampleCif } from '../fixtures/screen/helpers';

let dir = '';

describe('featurizeDataset', () => {
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'featurize-'));
    for (const id of ['0', '1', '2', '3', '4', '5']) copyFileSync(sampleCif(id), path.join(dir, `${id}.cif`));
    writeFileSync(path.join(dir, 'broken.cif'), 'data_x\n_cell_length_a 4\nloop_\n_atom_site_label\n');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  const entries = (): { id: string; file: string }[] =>
    ['0', '1', 'broken', '2', '3', '4', '5'].map((id) => ({ id, file: path.join(dir, `${id}.cif`) }));

  it('returns graphs aligned with the entries, identical to building them one by one, and reports bad files', async () => {
    const res = await featurizeDataset(entries(), { settings: DEFAULT_GRAPH_SETTINGS, threads: 0, taskSize: 2 });
    expect(res.graphs).toHaveLength(7);
    expect(res.graphs[2]).toBeUndefined();
    expect(res.errors).toEqual([{ id: 'broken', file: path.join(dir, 'broken.cif'), reason: expect.stringMatching(/cell|truncated|missing/) }]);
    for (const [i, e] of entries().entries()) {
      if (e.id === 'broken') continue;
      const direct = buildCrystalGraph(e.id, readStructureFileSync(e.file)[0].structure, DEFAULT_GRAPH_SETTINGS);
      expect(res.graphs[i]!.id).toBe(e.id);
      expect(Array.from(res.graphs[i]!.neighborIndex)).toEqual(Array.from(direct.neighborIndex));
      expect(Array.from(res.graphs[i]!.neighborDistance)).toEqual(Array.from(direct.neighborDistance));
    }
  });

  it('caches complete shards and serves them the second time; a changed file rebuilds its shard', async () => {
    const cacheDir = path.join(dir, 'cache');
    const good = entries().filter((e) => e.id !== 'broken');
    const opts = { settings: DEFAULT_GRAPH_SETTINGS, threads: 0, shardSize: 3, cacheDir };
    const first = await featurizeDataset(good, opts);
    expect([first.fromCache, first.built]).toEqual([0, 6]);
    expect(readdirSync(cacheDir).length).toBe(2);
    const second = await featurizeDataset(good, opts);
    expect([second.fromCache, second.built]).toEqual([6, 0]);
    expect(second.graphs.map((g) => g!.id)).toEqual(good.map((e) => e.id));
    expect(Array.from(second.graphs[4]!.neighborDistance)).toEqual(Array.from(first.graphs[4]!.neighborDistance));
    // Touch one file of the second shard: only that shard is rebuilt.
    const f = good[4].file;
    writeFileSync(f, readFileSync(f, 'utf8') + '\n');
    const third = await featurizeDataset(good, opts);
    expect([third.fromCache, third.built]).toEqual([3, 3]);
    // Other graph settings never reuse these shards.
    const other = await featurizeDataset(good, { ...opts, settings: { ...DEFAULT_GRAPH_SETTINGS, radiusAngstrom: 6 } });
    expect(other.fromCache).toBe(0);
  });

  it('stops when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(featurizeDataset(entries(), { settings: DEFAULT_GRAPH_SETTINGS, threads: 0, signal: controller.signal })).rejects.toMatchObject({ name: 'AbortError' });
  });
});
