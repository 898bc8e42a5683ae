/**
 * A label CSV too large to inspect is refused up front with a message that names the file and the limit, instead of
 * reading it whole (a 300 MB id_prop.csv took 18 s and 2.3 GB and then failed with "Invalid string length").
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ID_PROP_MAX_BYTES } from '../../src-main/core/dataset/id-prop';
import { scanDataset, scanDatasetSync } from '../../src-main/core/dataset/dataset-folder';
import { DatasetService } from '../../src-main/app/datasets/dataset-service';
import type { JobManager } from '../../src-main/app/jobs';
import type { ProjectSession } from '../../src-main/app/projects/project-session';
import { tempDir } from '../fixtures/screen/helpers';

let dir: string;
const csv = (): string => path.join(dir, 'id_prop.csv');

beforeAll(() => {
  dir = tempDir('big-csv');
  fs.copyFileSync(path.resolve(__dirname, '../fixtures/structures/NaCl-Fm-3m.cif'), path.join(dir, 'nacl.cif'));
  // 300 MB, sparse (takes no disk space): a real header, then what reads as one enormous line.
  const fd = fs.openSync(csv(), 'w');
  fs.writeSync(fd, 'id,band_gap\nnacl,1.5\n');
  fs.ftruncateSync(fd, 300 * 1000 * 1000);
  fs.closeSync(fd);
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe('label CSV size cap', () => {
  it('the limit is far above a real dataset and far below 300 MB', () => {
    expect(ID_PROP_MAX_BYTES).toBeGreaterThanOrEqual(32 * 1000 * 1000);
    expect(ID_PROP_MAX_BYTES).toBeLessThan(300 * 1000 * 1000);
  });

  it('dataset:inspect refuses a 300 MB id_prop.csv without reading it', async () => {
    const service = new DatasetService(undefined as unknown as JobManager, undefined as unknown as ProjectSession);
    const before = process.memoryUsage().rss;
    await expect(service.inspect({ structuresDir: dir, csvFile: csv() })).rejects.toThrow(/id_prop\.csv is 300 MB, more than the 64\.0 MB a label CSV may have/);
    expect(process.memoryUsage().rss - before).toBeLessThan(100 * 1024 * 1024);
  });

  it('the dataset scanners (CLI and app) refuse it too', async () => {
    await expect(scanDataset(dir)).rejects.toThrow(/more than the 64\.0 MB a label CSV may have/);
    expect(() => scanDatasetSync(dir)).toThrow(/more than the 64\.0 MB a label CSV may have/);
  });
});
