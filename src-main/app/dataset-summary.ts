import { scanDataset } from '../core/dataset/dataset-folder';
import type { DatasetSummary } from '../../src-shared/contract';

/** A quick look at a CGCNN-layout folder: tasks, row and file counts (no structure parsing). */
export async function summarizeDataset(dir: string): Promise<DatasetSummary> {
  const scan = await scanDataset(dir);
  const labelledPerTask: Record<string, number> = {};
  scan.tasks.forEach((task, t) => {
    labelledPerTask[task.name] = scan.entries.reduce((n, e) => n + (Number.isNaN(e.labels[t]) ? 0 : 1), 0);
  });
  return {
    dir: scan.dir,
    tasks: scan.tasks.map((t) => ({ name: t.name, unit: t.unit })),
    rows: scan.entries.length + scan.missingFiles.length,
    structureFiles: scan.entries.length + scan.orphanFiles.length,
    missingFiles: scan.missingFiles.length,
    labelledPerTask,
  };
}
