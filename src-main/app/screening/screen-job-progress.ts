/** How a screening's progress (core screenFolder) reads in a job:progress update: files done of total, rate, ETA, counts. */
import type { ScreenProgress } from '../../core/screen';
import type { ProgressUpdate } from '../jobs';

export function screenJobUpdate(p: ScreenProgress): ProgressUpdate {
  return {
    done: p.done,
    total: p.total ?? 0,
    unit: 'files',
    ratePerSecond: p.ratePerSecond,
    ...(p.etaSeconds !== undefined ? { etaSeconds: p.etaSeconds } : {}),
    message: `${p.rows} predicted${p.failed ? `, ${p.failed} unreadable` : ''}${p.skipped ? `, ${p.skipped} already screened` : ''}`,
  };
}
