/**
 * Journey 3, Structures: the dataset's crystals in a searchable, sortable, virtualized table (id, formula, atoms,
 * labels with units) and the selected crystal in 3Dmol, built from the structure the model sees (the same reader,
 * all sites in P1, sent as numbers), with the unit cell, a 2x2x2 supercell, Jmol colours and a legend, a label on
 * the atom under the pointer, and the CGCNN graph neighbours (compared with the core's crystal graph).
 */
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { readStructureFileSync } from '../../src-main/core/io';
import { buildCrystalGraph } from '../../src-main/core/graph';
import type { StructureView } from '../../src-shared/contract';
import { startApp, type AppHarness } from './harness';
import { byTestId, call, canvasInkShare, HAVE_SAMPLE, projectWithSample, SAMPLE_DATASET } from './helpers';

let app: AppHarness;
const t = (id: string) => byTestId(app, id);
const ID = '7'; // CoTeO3, 20 sites

/** Page coordinates of displayed site k, as the viewer last projected it. */
async function sitePosition(k: number): Promise<{ x: number; y: number }> {
  const probe = (await t('crystal-viewer').getAttribute('data-probe')) ?? '';
  const entry = probe.split(';').find((e) => e.startsWith(`${k}:`));
  if (!entry) throw new Error(`no screen position for site ${k} in "${probe}"`);
  const [x, y] = entry.slice(entry.indexOf(':') + 1).split(',').map(Number);
  return { x: x!, y: y! };
}

beforeAll(async () => {
  app = await startApp();
  if (HAVE_SAMPLE) await projectWithSample(app, 'Structures journey');
});

afterEach(() => {
  expect(app.takeProblems()).toEqual([]);
});

afterAll(async () => {
  await app?.close();
});

describe.skipIf(!HAVE_SAMPLE)('Structures', () => {
  it('lists every crystal in a virtualized table with labels and units', async () => {
    await app.open('structures');
    await t('structures-table').waitFor();
    const table = await call(app, 'structures:list', { dataset: 'mt-cgcnn-sample' });
    expect(table.ids.length).toBe(100);
    expect(await t('structures-table').getAttribute('data-rows')).toBe('100');
    expect(await t('structures-count').textContent()).toBe('100 of 100');
    // Only the rows in view are in the DOM.
    const rendered = await t('structures-table-row').count();
    expect(rendered).toBeGreaterThan(10);
    expect(rendered).toBeLessThan(40);
    // Headers carry the units.
    expect(await t('structures-table-sort-label:0').getAttribute('title')).toBe('formation_energy_per_atom (eV/atom)');
    expect(await t('structures-table-sort-label:1').getAttribute('title')).toBe('band_gap (eV)');
    expect(await t('structures-table-sort-label:1').locator('.vth-unit').textContent()).toBe('eV');
    // Formula and atoms as the reader sees them.
    const s = readStructureFileSync(path.join(SAMPLE_DATASET, `${ID}.cif`))[0]!.structure;
    const i = table.ids.indexOf(ID);
    expect(table.formulas[i]).toBe(s.reducedFormula());
    expect(table.atoms[i]).toBe(s.numSites);

    // Scrolling reaches the last crystal.
    await app.page.locator('[data-testid="structures-table"] .vbody').evaluate((el) => {
      (el as unknown as { scrollTop: number }).scrollTop = 1e6;
    });
    await app.page.locator(`[data-testid="structures-table-row"][data-key="${table.ids.at(-1)}"]`).waitFor();
  });

  it('searches by formula and sorts by a label (missing values last)', async () => {
    const table = await call(app, 'structures:list', { dataset: 'mt-cgcnn-sample' });
    await t('structures-search').fill('o3');
    const expected = table.ids.filter((id, k) => id.toLowerCase().includes('o3') || table.formulas[k]!.toLowerCase().includes('o3')).length;
    expect(expected).toBeGreaterThan(0);
    await expect.poll(() => t('structures-count').textContent()).toBe(`${expected} of 100`);
    await t('structures-search').fill('');

    await t('structures-table-sort-label:1').click();
    await t('structures-table-sort-label:1').click(); // descending
    const gaps = table.labels[1]!;
    const maxAt = gaps.reduce<number>((best, v, k) => ((v ?? -Infinity) > (gaps[best] ?? -Infinity) ? k : best), 0);
    const firstRow = t('structures-table-row').first();
    expect(await firstRow.getAttribute('data-key')).toBe(table.ids[maxAt]);
    expect(await firstRow.locator('[data-col="label:1"]').textContent()).toBe(String(Number(gaps[maxAt]!.toPrecision(3))));
    await t('structures-table-sort-id').click();
    expect(await t('structures-table-row').first().getAttribute('data-key')).toBe('0');
  });

  it('shows the selected crystal in 3D from the parsed structure, with Jmol colours and a legend', async () => {
    await app.page.locator(`[data-testid="structures-table-row"][data-key="${ID}"]`).click();
    await expect.poll(() => t('structure-title').textContent()).toContain(`${ID} · CoTeO3`);
    await expect.poll(() => t('crystal-viewer').getAttribute('data-atoms')).toBe('20');
    expect(await t('crystal-viewer').getAttribute('data-cell-edges')).toBe('12');

    // What crossed IPC is the reader's structure: lattice rows, species and Cartesian coordinates in P1.
    const view = await call(app, 'structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: ID }, supercell: 1 });
    const s = readStructureFileSync(path.join(SAMPLE_DATASET, `${ID}.cif`))[0]!.structure;
    expect(view.lattice).toEqual(s.lattice.matrix.map((r) => [...r]));
    expect(view.species).toEqual(s.toJSON().species);
    expect(view.cart).toEqual(s.cartesianCoords().flat());
    expect(Object.keys(view)).not.toContain('text');

    // The canvas is drawn (not blank) and the legend uses the Jmol colours.
    await expect.poll(() => canvasInkShare(app, '[data-testid="crystal-viewer"]')).toBeGreaterThan(0.02);
    const legend = t('viewer-legend');
    const colour = (el: string) => legend.locator(`[data-element="${el}"]`).getAttribute('data-color');
    expect(await colour('O')).toBe('#ff0d0d');
    expect(await colour('Co')).toBe('#f090a0');
    expect(await colour('Te')).toBe('#d47a00');
    expect(await legend.locator('[data-element="O"]').textContent()).toContain('12');
    // Lattice facts with units; labels with units.
    expect(await t('structure-facts').textContent()).toContain('Å³');
    expect(await t('structure-facts').textContent()).toContain('g/cm³');
    expect(await t('structure-labels').locator('[data-task="band_gap"]').textContent()).toMatch(/ eV$/);
    await app.screenshot('structures-viewer');
  });

  it('labels the atom under the pointer', async () => {
    const p = await sitePosition(0);
    await app.page.mouse.move(p.x + 40, p.y + 40);
    await app.page.mouse.move(p.x, p.y, { steps: 4 });
    await t('viewer-hover').waitFor({ timeout: 10_000 });
    expect(await t('viewer-hover').textContent()).toMatch(/^(Co|Te|O)\d+ · \(-?\d+\.\d\d, -?\d+\.\d\d, -?\d+\.\d\d\) Å$/);
    await app.screenshot('structures-hover');
  });

  it('draws the CGCNN graph neighbours: the 12 nearest within 8 Å, as the graph builder finds them', async () => {
    const view: StructureView = await call(app, 'structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: ID }, supercell: 1 });
    const s = readStructureFileSync(path.join(SAMPLE_DATASET, `${ID}.cif`))[0]!.structure;
    const graph = buildCrystalGraph(ID, s);
    expect(view.maxNeighbors).toBe(12);
    expect(view.radiusAngstrom).toBe(8);
    for (let i = 0; i < s.numSites; i++) {
      const mine = view.neighbors[i]!;
      expect(mine.length).toBe(graph.maxNeighbors);
      for (let k = 0; k < mine.length; k++) {
        expect(mine[k]!.j).toBe(graph.neighborIndex[i * 12 + k]);
        expect(mine[k]!.distance).toBeCloseTo(graph.neighborDistance[i * 12 + k]!, 4);
        // The drawn end point is the neighbour's periodic image at that distance.
        const [x, y, z] = mine[k]!.position;
        const d = Math.hypot(x - view.cart[3 * i]!, y - view.cart[3 * i + 1]!, z - view.cart[3 * i + 2]!);
        expect(d).toBeCloseTo(mine[k]!.distance, 6);
      }
    }

    await t('toggle-bonds').check();
    await expect.poll(async () => Number(await t('crystal-viewer').getAttribute('data-edges'))).toBeGreaterThan(100);
    const edges = Number(await t('crystal-viewer').getAttribute('data-edges'));
    expect(edges).toBeLessThanOrEqual(20 * 12);
    expect(Number(await t('crystal-viewer').getAttribute('data-ghosts'))).toBeGreaterThan(0);
    await app.screenshot('structures-graph-bonds');
    await t('toggle-bonds').uncheck();
    await expect.poll(() => t('crystal-viewer').getAttribute('data-edges')).toBe('0');

    // Clicking a site lists its own 12 neighbours, nearest first, and draws them.
    const p = await sitePosition(0);
    await app.page.mouse.click(p.x, p.y);
    await t('site-neighbors').waitFor();
    const site = Number(await t('site-neighbors').getAttribute('data-site'));
    const rows = t('neighbor-row');
    expect(await rows.count()).toBe(12);
    const shown = (await t('neighbor-distance').allTextContents()).map(Number);
    expect(shown).toEqual(view.neighbors[site]!.map((n) => Number(n.distance.toFixed(3))));
    expect([...shown].sort((a, b) => a - b)).toEqual(shown);
    expect(await t('crystal-viewer').getAttribute('data-edges')).toBe('12');
    await t('site-neighbors').scrollIntoViewIfNeeded();
    await app.screenshot('structures-site-neighbours');
  });

  it('switches to a 2x2x2 supercell and back', async () => {
    await t('supercell-2').click();
    await expect.poll(() => t('crystal-viewer').getAttribute('data-atoms')).toBe('160');
    expect(await t('supercell-2').getAttribute('aria-pressed')).toBe('true');
    const view = await call(app, 'structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: ID }, supercell: 2 });
    expect(view.displayLattice[0]![0]).toBeCloseTo(2 * view.lattice[0]![0]!, 10);
    expect(view.unitIndex.slice(20, 23)).toEqual([0, 1, 2]);
    await t('structure-panel').scrollIntoViewIfNeeded();
    await app.screenshot('structures-supercell');
    await t('theme-toggle').click();
    await expect.poll(() => canvasInkShare(app, '[data-testid="crystal-viewer"]')).toBeGreaterThan(0.02);
    await app.screenshot('structures-supercell-dark');
    await t('theme-toggle').click();
    await t('supercell-1').click();
    await expect.poll(() => t('crystal-viewer').getAttribute('data-atoms')).toBe('20');
  });

  it('refuses bad structure requests with typed errors', async () => {
    expect(await app.dispatch('structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: '../etc/passwd' }, supercell: 1 })).toMatchObject({
      ok: false,
      error: { code: 'invalid-argument' },
    });
    expect(await app.dispatch('structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: ID }, supercell: 3 })).toMatchObject({ ok: false, error: { code: 'invalid-argument' } });
    expect(await app.dispatch('structures:view', { ref: { kind: 'dataset', dataset: 'mt-cgcnn-sample', id: 'no-such-id' }, supercell: 1 })).toMatchObject({ ok: false, error: { code: 'not-found' } });
    expect(await app.dispatch('structures:list', { dataset: 'nope' })).toMatchObject({ ok: false, error: { code: 'not-found', message: expect.stringContaining('Import it in Datasets') } });
    const notCif = await app.dispatch('structures:view', { ref: { kind: 'file', path: path.join(SAMPLE_DATASET, 'id_prop.csv') }, supercell: 1 });
    expect(notCif).toMatchObject({ ok: false, error: { code: 'failed' } });
  });
});
