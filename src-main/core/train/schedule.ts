/**
 * Learning-rate schedules, a pure function of (epoch, step in epoch) so that a resumed run follows exactly
 * the same rates.
 *   constant
 *   step    lr * gamma^(number of milestones <= epoch)          (CGCNN: SGD milestones [100], gamma 0.1)
 *   cosine  linear warm-up over `warmupEpochs`, then cosine from lr to lr * minFactor at the last epoch,
 *           evaluated per step
 */
export type LrSchedule =
  | { kind: 'constant' }
  | { kind: 'step'; milestones: readonly number[]; gamma?: number }
  | { kind: 'cosine'; warmupEpochs?: number; minFactor?: number };

export function learningRateAt(
  base: number, schedule: LrSchedule, epoch: number, step: number, stepsPerEpoch: number, totalEpochs: number,
): number {
  switch (schedule.kind) {
    case 'constant':
      return base;
    case 'step': {
      const gamma = schedule.gamma ?? 0.1;
      const passed = schedule.milestones.filter((m) => epoch >= m).length;
      return base * Math.pow(gamma, passed);
    }
    case 'cosine': {
      const spe = Math.max(1, stepsPerEpoch);
      const t = epoch + step / spe; // fractional epoch
      const warm = schedule.warmupEpochs ?? 0;
      const minF = schedule.minFactor ?? 0.01;
      if (warm > 0 && t < warm) return base * Math.max((t + 1 / spe) / warm, 1e-3);
      const span = Math.max(totalEpochs - warm, 1e-9);
      const p = Math.min(Math.max((t - warm) / span, 0), 1);
      return base * (minF + (1 - minF) * 0.5 * (1 + Math.cos(Math.PI * p)));
    }
    default:
      return base;
  }
}
