/**
 * One finished epoch of one ensemble member, as the trainer reports it (TrainCallbacks.onEpoch) and the app keeps
 * it in a run's history. No imports: the IPC contract and the renderer use this type as it is.
 */
export interface EpochRecord {
  member: number;
  epoch: number;
  lr: number;
  /** Per task mean training loss (MSE on normalised targets) over the epoch. */
  trainLoss: number[];
  /** Weighted total training loss (what was minimised, incl. penalties). */
  trainTotal: number;
  /** Per task validation MAE in original units (null: no labels). */
  valMae: (number | null)[];
  valAverageMae: number | null;
  /** Task weights at the end of the epoch. */
  weights: number[];
  seconds: number;
}
