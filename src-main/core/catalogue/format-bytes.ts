/**
 * Byte sizes as `mtcgcnn models` and the app's About / Models panel show them. No Node imports: the renderer imports
 * this module too (tsconfig.web.json includes it; eslint keeps Node APIs out of it).
 */

/** "1.9 MB" style size (SI units: 1 kB = 1000 B); "–" for a negative or non-finite number. */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n) || n < 0) return '–';
  if (n < 1000) return `${n} B`;
  const units = ['kB', 'MB', 'GB', 'TB'];
  let v = n / 1000;
  let u = 0;
  while (v >= 999.95 && u < units.length - 1) {
    v /= 1000;
    u++;
  }
  return `${v >= 100 ? v.toFixed(0) : v.toFixed(1)} ${units[u]}`;
}
