/** Progress reporting helpers for jobs: rate, ETA and throttling (the UI needs a few updates a second, not 100k). */
import type { ProgressUpdate } from './jobs';

/**
 * Wraps a job's `report` so that counted progress carries a rate and an ETA and reaches the renderer at most every
 * `intervalMs` (the first and the last update always pass).
 */
export function countedProgress(
  report: (update: ProgressUpdate) => void,
  options: { total: number; unit?: string; intervalMs?: number } = { total: 0 },
): (done: number, message?: string, extra?: ProgressUpdate) => void {
  const started = performance.now();
  const interval = options.intervalMs ?? 200;
  let last = -Infinity;
  let total = options.total;
  return (done, message, extra = {}) => {
    if (extra.total !== undefined) total = extra.total;
    const now = performance.now();
    const final = total > 0 && done >= total;
    if (!final && now - last < interval && done !== 0) return;
    last = now;
    const seconds = (now - started) / 1000;
    const rate = seconds > 0.05 && done > 0 ? done / seconds : undefined;
    report({
      done,
      total,
      ...(options.unit ? { unit: options.unit } : {}),
      ...(rate !== undefined ? { ratePerSecond: rate } : {}),
      ...(rate !== undefined && total > done ? { etaSeconds: (total - done) / rate } : {}),
      ...(message !== undefined ? { message } : {}),
      ...extra,
    });
  };
}
