/** Shared pieces of the journey tests: the sample dataset, typed calls to the real handlers, waiting for jobs. */
import path from 'node:path';
import type { InvokeChannel, JobProgress, RequestOf, ResponseOf } from '../../src-shared/contract';
import { type AppHarness } from './harness';
import { SAMPLE_DIR as SAMPLE_DATASET } from '../shared-data';

export { HAVE_MP25K as HAVE_LARGE, HAVE_SAMPLE, MP25K_DIR as LARGE_DATASET, SAMPLE_DIR as SAMPLE_DATASET } from '../shared-data';

export const byTestId = (app: AppHarness, id: string) => app.page.locator(`[data-testid="${id}"]`);

/** Calls a handler through the same dispatcher the page uses and unwraps the value (throws on an error result). */
export async function call<C extends InvokeChannel>(app: AppHarness, channel: C, ...arg: RequestOf<C> extends void ? [] : [RequestOf<C>]): Promise<ResponseOf<C>> {
  const result = await app.dispatch(channel, arg[0]);
  if (!result.ok) throw new Error(`${channel}: ${result.error.code}: ${result.error.message}`);
  return result.value as ResponseOf<C>;
}

/** Waits until main's job registry reports the job finished; returns its final progress. */
export async function waitForJob(app: AppHarness, jobId: string, timeoutMs = 120_000): Promise<JobProgress> {
  // A plain loop (not expect.poll) so that it also works in beforeAll hooks.
  const until = Date.now() + timeoutMs;
  for (;;) {
    const job = app.jobs.get(jobId);
    if (job && job.state !== 'running' && job.state !== 'queued') return job;
    if (Date.now() > until) throw new Error(`job ${jobId} did not finish within ${timeoutMs} ms (last: ${JSON.stringify(job)})`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Creates a project and imports the sample dataset through the real handlers (for tests of later journeys). */
export function projectWithSample(app: AppHarness, name = 'Sample project', datasetName = 'mt-cgcnn-sample'): Promise<string> {
  return projectWithDataset(app, SAMPLE_DATASET, name, datasetName);
}

/**
 * Creates a project and imports a CGCNN-layout folder (CIFs + id_prop.csv with formation energy and band gap
 * columns, as the sample and test/fixtures/mp-small have) through the real handlers; returns the project folder.
 */
export async function projectWithDataset(app: AppHarness, structuresDir: string, name: string, datasetName: string): Promise<string> {
  const project = await call(app, 'project:create', { name, parentDir: app.home });
  const { jobId } = await call(app, 'dataset:validate', {
    structuresDir,
    csvFile: path.join(structuresDir, 'id_prop.csv'),
    tasks: [
      { column: 'formation_energy_per_atom_eV', name: 'formation_energy_per_atom', unit: 'eV/atom' },
      { column: 'band_gap_eV', name: 'band_gap', unit: 'eV' },
    ],
    partialOccupancy: 'refuse',
  });
  const validated = await waitForJob(app, jobId);
  if (validated.state !== 'done') throw new Error(`validation ${validated.state}: ${validated.message}`);
  const imp = await call(app, 'dataset:import', { validationJobId: jobId, name: datasetName, storage: 'reference' });
  const imported = await waitForJob(app, imp.jobId);
  if (imported.state !== 'done') throw new Error(`import ${imported.state}: ${imported.message}`);
  return project.dir;
}

/** Share of pixels of the first canvas under `selector` that differ from its corner pixel (0 = blank). */
export function canvasInkShare(app: AppHarness, selector: string): Promise<number> {
  return app.page.evaluate((sel) => {
    const w = globalThis as unknown as {
      document: { querySelector(s: string): { querySelector(s: string): unknown } | null; createElement(t: 'canvas'): CanvasLike };
    };
    interface CanvasLike {
      width: number;
      height: number;
      getContext(t: '2d'): { drawImage(c: unknown, x: number, y: number): void; getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray } };
    }
    const src = w.document.querySelector(sel)?.querySelector('canvas') as CanvasLike | null;
    if (!src || src.width === 0) return 0;
    const c = w.document.createElement('canvas');
    c.width = src.width;
    c.height = src.height;
    const ctx = c.getContext('2d');
    ctx.drawImage(src, 0, 0);
    const px = ctx.getImageData(0, 0, c.width, c.height).data;
    const [r0, g0, b0] = [px[0]!, px[1]!, px[2]!];
    let ink = 0;
    for (let i = 0; i < px.length; i += 4) if (Math.abs(px[i]! - r0) + Math.abs(px[i + 1]! - g0) + Math.abs(px[i + 2]! - b0) > 30) ink++;
    return ink / (px.length / 4);
  }, selector);
}

/** Scrolls the app's main area so that the element is near the top (for screenshots of long views). */
export async function scrollToTestId(app: AppHarness, id: string): Promise<void> {
  await byTestId(app, id).first().evaluate((el) => (el as unknown as { scrollIntoView(o: object): void }).scrollIntoView({ block: 'start' }));
}
