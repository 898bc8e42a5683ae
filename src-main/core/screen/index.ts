/**
 * Screening a folder of structure files with a trained model: see screen.ts for the pipeline and
 * docs/screening.md for the user-facing contract (columns, exit codes, shards, resume, merge, Slurm).
 */
export { screenFolder, ScreenError, SCREEN_WORKER_NAME, DEFAULT_BATCH_SIZE, DEFAULT_CHUNK_SIZE } from './screen';
export type { ScreenOptions, ScreenProgress, ScreenCallbacks, ScreenSummary, ScreenErrorCode } from './screen';
export type { ScreeningModel, ScreeningTask, ScreeningDomain, ScreeningPrediction } from './model';
export { outputLayout, METAL_GAP_THRESHOLD_EV, type OutputLayout } from './columns';
export { DomainChecker, type DomainVerdict } from './domain';
export {
  walkStructureFiles,
  countStructureFiles,
  isStructureFileName,
  describeSkipped,
  SkipTally,
  STRUCTURE_FILE_KINDS,
  type FoundFile,
  type SkipReason,
  type SkippedEntry,
  type SkipSummary,
} from './file-walk';
export { parseShard, formatShard, shardOf, inShard, fnv1a32, type ShardSpec } from './shard';
export { mergeScreenCsv, MergeError, type MergeOptions, type MergeSummary } from './merge';
export { slurmScript, slurmPaths, mergeCommand, validateSlurmOptions, DEFAULT_SLURM, type SlurmOptions } from './slurm';
export { readResumeState, ResumeError, type ResumeState } from './resume';
export { csvField, csvLine } from './csv-writer';
export { parseCsvText, readCsvFile, iterateCsvRecords } from './csv-reader';
