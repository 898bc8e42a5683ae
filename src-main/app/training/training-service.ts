/**
 * Training runs of the open project, as jobs: featurize the dataset (graph cache, worker threads), train with the
 * core trainer (in the bundled train worker when it exists, else in this process), stream step and epoch progress,
 * keep runs/<id>/run.json and history.json up to date after every epoch, and write the model bundle to
 * models/<id>/ when done. Cancel keeps the last epoch's checkpoint; resume continues from it with the same settings.
 */
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { ElementFeatureTable } from '../../core/element-features/element-features';
import { featurizeDataset } from '../../core/featurize/featurize-dataset';
import { DEFAULT_GRAPH_SETTINGS, type CrystalGraph } from '../../core/graph';
import { isBandGapTask } from '../../../src-shared/task-kind';
import { evaluatePredictions, type MetricsJson } from '../../core/metrics/summary';
import { metalNonMetalMetrics, METAL_THRESHOLD_EV, rocCurve } from '../../core/metrics/classification';
import { workerScriptPath } from '../../core/parallel/worker-pool';
import { trainModel, type EpochRecord, type TrainOptions, type TrainProgress, type TrainResult, type TrainingData } from '../../core/train';
import { TRAIN_WORKER_NAME, runTrainingInWorker } from '../../core/train/worker-client';
import { checkpointFiles } from '../../core/train/checkpoint';
import { bundleDecisionThresholds, loadBundle } from '../../core/model/bundle';
import { resolveModel } from '../../core/catalogue';
import { transferSourceFromBundle, transferredArchitecture, type TransferOptions } from '../../core/train/transfer';
import type { EpochPoint, RunDetail, RunResults, TaskMetrics, TrainSettings } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { isFile, JsonFileError, readJson, timestampId } from '../fs-util';
import { writeJsonAtomic } from '../../core/fs/atomic-write';
import type { JobManager } from '../jobs';
import { graphCacheDir } from '../../core/studio-home';
import { countedProgress } from '../progress';
import { currentOwner } from '../session';
import { readTrainingRun, saveTrainedModel } from '../../services/training-run';
import type { DatasetService } from '../datasets/dataset-service';
import { MANIFEST_VERSION, parseRunManifest, projectPaths, resolveDatasetPaths, RUN_FORMAT, type RunManifestBase } from '../projects/manifests';
import type { ProjectSession } from '../projects/project-session';
import { defaultTrainingWorkers, threadPlan } from '../../core/train/data-parallel';

export const HISTORY_FILE = 'history.json';
/** Path of the training worker script when it is not next to the bundle (tests, custom builds). */
export const TRAIN_WORKER_ENV = 'MTCGCNN_TRAIN_WORKER';
export const CHECKPOINT_FILE = 'checkpoint.bin';

/** run.json as the training service writes it. */
interface RunManifest extends RunManifestBase {
  settings: TrainSettings;
  units: string[];
  backend?: string;
  featurized?: { crystals: number; failed: number; seconds: number };
  testMetrics?: Record<string, TaskMetrics> | null;
  averageMae?: number | null;
  durationSeconds?: number;
  /** Relative to the project folder. */
  modelDir?: string;
  bestEpoch?: number | null;
  startedAt?: string;
  finishedAt?: string;
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export function toTaskMetrics(m: MetricsJson['tasks'][string]): TaskMetrics {
  return {
    n: m.n,
    mae: m.mae,
    rmse: m.rmse,
    r2: m.r2,
    spearman: m.spearman,
    ...(m.kind === 'classification' ? { kind: m.kind } : {}),
    ...(m.roc_auc !== undefined ? { rocAuc: m.roc_auc } : {}),
    ...(m.threshold !== undefined ? { thresholdEv: m.threshold } : {}),
    ...(m.decision_threshold !== undefined ? { decisionThreshold: m.decision_threshold } : {}),
    ...(m.accuracy !== undefined ? { accuracy: m.accuracy } : {}),
    ...(m.f1 !== undefined ? { f1: m.f1 } : {}),
    ...(m.confusion ? { confusion: { ...m.confusion } } : {}),
  };
}

export class TrainingService {
  /** runId -> jobId of the runs training in this session. */
  private readonly live = new Map<string, string>();
  /** Every run this session launched: their manifests are kept up to date by this service, not by reconciliation. */
  private readonly owned = new Set<string>();
  /** Serializes manifest writes per run. */
  private readonly chains = new Map<string, Promise<unknown>>();

  constructor(
    private readonly jobs: JobManager,
    private readonly projects: ProjectSession,
    private readonly datasets: DatasetService,
    /** Initializes the compute backend in this process (needed when training runs in-process). */
    private readonly backend: () => Promise<{ name: string }>,
  ) {}

  /** True while a job of this session trains the run, and after it: the service writes its final state itself. */
  isLive(runId: string): boolean {
    return this.live.has(runId) || this.owned.has(runId);
  }

  // ------------------------------------------------------------------ manifests

  private paths(runId: string) {
    const projectDir = this.projects.requireDir();
    const p = projectPaths(projectDir);
    return { projectDir, dir: p.run(runId), manifest: p.runManifest(runId), history: path.join(p.run(runId), HISTORY_FILE), modelDir: path.join(p.models, runId) };
  }

  private async read(runId: string): Promise<RunManifest> {
    const file = this.paths(runId).manifest;
    let m;
    try {
      m = parseRunManifest(await readJson(file), file);
    } catch (err) {
      if (err instanceof JsonFileError && err.kind === 'missing') throw new UserFacingError(`The project has no training run "${runId}".`, 'not-found');
      throw new UserFacingError(`${message(err)}. The run's record is damaged; start a new run.`, 'failed');
    }
    if (typeof m.settings !== 'object' || m.settings === null) throw new UserFacingError(`${file} has no training settings; it was not written by this app.`, 'failed');
    return m as unknown as RunManifest;
  }

  /** Read-modify-write of run.json, one at a time per run. */
  private update(runId: string, file: string, patch: (m: RunManifest) => Partial<RunManifest>): Promise<void> {
    const prev = this.chains.get(runId) ?? Promise.resolve();
    const next = prev.then(async () => {
      const m = parseRunManifest(await readJson(file), file) as unknown as RunManifest;
      await writeJsonAtomic(file, { ...m, ...patch(m), updatedAt: new Date().toISOString() });
    });
    this.chains.set(runId, next.catch(() => undefined));
    return next;
  }

  private async readHistory(file: string): Promise<EpochPoint[]> {
    try {
      const v = (await readJson(file)) as { epochs?: EpochPoint[] };
      return Array.isArray(v.epochs) ? v.epochs : [];
    } catch {
      return [];
    }
  }

  // ------------------------------------------------------------------ start / resume

  async start(settings: TrainSettings): Promise<{ runId: string; jobId: string }> {
    const projectDir = this.projects.requireDir();
    const { manifest } = await this.datasets.index(settings.dataset);
    const units = settings.tasks.map((t) => {
      const task = manifest.tasks.find((x) => x.name === t);
      if (!task) throw new UserFacingError(`Dataset "${settings.dataset}" has no task "${t}" (its tasks: ${manifest.tasks.map((x) => x.name).join(', ')}).`, 'failed');
      return task.unit;
    });
    if (manifest.counts.usable < 10) {
      throw new UserFacingError(`Dataset "${settings.dataset}" has only ${manifest.counts.usable} usable crystals; training needs at least 10 (a useful model needs thousands).`, 'failed');
    }
    const runId = timestampId();
    const now = new Date().toISOString();
    const run: RunManifest = {
      format: RUN_FORMAT,
      version: MANIFEST_VERSION,
      id: runId,
      name: settings.name,
      state: 'queued',
      dataset: settings.dataset,
      tasks: settings.tasks,
      createdAt: now,
      updatedAt: now,
      owner: currentOwner(),
      checkpoint: null,
      epochs: settings.epochs * settings.members,
      epochsDone: 0,
      settings,
      units,
    };
    await writeJsonAtomic(projectPaths(projectDir).runManifest(runId), run);
    const jobId = this.launch(runId, settings, units);
    this.projects.changed();
    return { runId, jobId };
  }

  async resume(runId: string): Promise<{ jobId: string }> {
    if (this.live.has(runId)) throw new UserFacingError('This run is already training. Wait for it, or cancel it first.', 'failed');
    const m = await this.read(runId);
    if (m.state === 'done') throw new UserFacingError('This run has finished; there is nothing to resume. Start a new run to train again.', 'failed');
    if (m.state === 'running' || m.state === 'queued') throw new UserFacingError('This run is still marked as running by another app window or computer.', 'failed');
    await this.update(runId, this.paths(runId).manifest, () => ({ state: 'queued', owner: currentOwner() }));
    return { jobId: this.launch(runId, m.settings, m.units) };
  }

  private launch(runId: string, settings: TrainSettings, units: string[]): string {
    const { projectDir, dir, manifest: manifestFile, history: historyFile, modelDir } = this.paths(runId);
    this.owned.add(runId);
    return this.jobs.start('train', 'crystals', async (signal, report, jobId) => {
      this.live.set(runId, jobId);
      let lastEpochDone = 0;
      try {
        await this.update(runId, manifestFile, () => ({ state: 'running', owner: currentOwner(), note: undefined }));
        this.projects.changed();

        // 1. Crystal graphs (cached on disk; unchanged files are not featurized again).
        const { manifest, index } = await this.datasets.index(settings.dataset);
        const { structuresDir } = resolveDatasetPaths(projectDir, manifest);
        const rows = index.rows.filter((r) => r.ok);
        const featurizeProgress = countedProgress(report, { total: rows.length, unit: 'crystals' });
        featurizeProgress(0, 'Building crystal graphs (radius 8 Å, 12 neighbours)…', { metrics: { phase: 0 } });
        const feat = await featurizeDataset(
          rows.map((r) => ({ id: r.id, file: path.join(structuresDir, r.file) })),
          {
            settings: DEFAULT_GRAPH_SETTINGS,
            readOptions: manifest.readOptions,
            cacheDir: graphCacheDir(),
            signal,
            onProgress: (done, total, fromCache) => featurizeProgress(done, `Building crystal graphs: ${done} of ${total}${fromCache ? ` (${fromCache} from the cache)` : ''}`, { metrics: { phase: 0 } }),
          },
        );
        signal.throwIfAborted();
        const keep: number[] = [];
        feat.graphs.forEach((g, i) => g && keep.push(i));
        const graphs = keep.map((i) => feat.graphs[i] as CrystalGraph);
        const columns = settings.tasks.map((t) => manifest.tasks.findIndex((x) => x.name === t));
        const targets = columns.map((c) => Float64Array.from(keep, (i) => rows[i]!.labels[c] ?? NaN));
        const featurized = { crystals: graphs.length, failed: feat.errors.length, seconds: feat.seconds };
        await this.update(runId, manifestFile, () => ({ featurized }));

        // 2. Training.
        const transfer = settings.startFrom ? startFromModel(settings.startFrom) : undefined;
        const data: TrainingData = {
          graphs,
          targets,
          tasks: settings.tasks.map((name, k) => ({ name, unit: units[k] ?? '' })),
          elementTable: transfer ? transfer.elementTable : ElementFeatureTable.builtin(),
          graphSettings: DEFAULT_GRAPH_SETTINGS,
          datasetName: settings.dataset,
        };
        const options: TrainOptions = {
          epochs: settings.epochs,
          learningRate: settings.learningRate,
          weightDecay: settings.weightDecay,
          batchSize: settings.batchSize,
          ...(settings.patience !== null ? { patience: settings.patience } : {}),
          seed: settings.seed,
          split: { seed: settings.seed, trainRatio: settings.trainRatio, valRatio: settings.valRatio, testRatio: settings.testRatio },
          members: settings.members,
          workers: settings.workers ?? defaultTrainingWorkers(),
          lossWeighting: settings.weighting === 'fixed' ? { kind: 'fixed', weights: settings.weights } : { kind: settings.weighting },
          model: {
            sharing: settings.sharing,
            softSharingStrength: settings.softSharingStrength,
            convDim: settings.convDim,
            numConv: settings.numConv,
            hiddenDim: settings.hiddenDim,
            headHidden: settings.headHidden,
            ...(transfer ? transferredArchitecture(transfer.options.source) : {}),
          },
          ...(transfer ? { transfer: transfer.options } : {}),
          checkpointPath: path.join(dir, CHECKPOINT_FILE),
          resume: true,
          signal,
        };
        const history = await this.readHistory(historyFile);
        let lastReport = 0;
        let lastChanged = performance.now();
        // Members may train at the same time (training threads): steps done per member are summed, the longest time left wins.
        const concurrentMembers = threadPlan(settings.members, options.workers ?? 1).concurrent > 1;
        const doneByMember = new Map<number, number>();
        const etaByMember = new Map<number, number>();
        const onProgress = (p: TrainProgress) => {
          doneByMember.set(p.member, (p.epoch - 1) * p.stepsPerEpoch + p.step);
          etaByMember.set(p.member, p.etaSeconds);
          const now = performance.now();
          if (p.phase !== 'epoch-end' && now - lastReport < 250) return;
          lastReport = now;
          const steps = p.members * p.epochs * p.stepsPerEpoch;
          // one after the other, the members before this one are done; at the same time, each reports its own steps
          let done = 0;
          for (let m = 0; m < p.members; m++) done += doneByMember.get(m) ?? (!concurrentMembers && m < p.member ? p.epochs * p.stepsPerEpoch : 0);
          report({
            done,
            total: steps,
            unit: 'steps',
            etaSeconds: concurrentMembers ? Math.max(...etaByMember.values()) : p.etaSeconds,
            ratePerSecond: done / Math.max(1e-3, p.elapsedSeconds),
            message: `${p.members > 1 ? `Member ${p.member + 1} of ${p.members}, ` : ''}epoch ${p.epoch} of ${p.epochs}, step ${p.step} of ${p.stepsPerEpoch} · ${Math.round(p.crystalsPerSecond)} crystals/s`,
            metrics: {
              phase: 1,
              member: p.member,
              members: p.members,
              epoch: p.epoch,
              epochs: p.epochs,
              step: p.step,
              stepsPerEpoch: p.stepsPerEpoch,
              learningRate: p.learningRate,
              crystalsPerSecond: p.crystalsPerSecond,
              ...Object.fromEntries(settings.tasks.map((t, k) => [`loss.${k}`, p.perTaskTrainLoss[t] ?? NaN])),
              ...Object.fromEntries(settings.tasks.map((t, k) => [`weight.${k}`, p.weights[t] ?? NaN])),
            },
          });
        };
        const onEpoch = (r: EpochRecord) => {
          const point: EpochPoint = {
            member: r.member,
            epoch: r.epoch,
            lr: r.lr,
            trainLoss: [...r.trainLoss],
            trainTotal: r.trainTotal,
            valMae: [...r.valMae],
            valAverageMae: r.valAverageMae,
            weights: [...r.weights],
            seconds: r.seconds,
          };
          const at = history.findIndex((h) => h.member === r.member && h.epoch === r.epoch);
          if (at >= 0) history[at] = point;
          else history.push(point);
          lastEpochDone = r.member * settings.epochs + r.epoch;
          const checkpoint = settings.members > 1 ? `${CHECKPOINT_FILE}.m${r.member}` : CHECKPOINT_FILE;
          void this.update(runId, manifestFile, () => ({ epochsDone: lastEpochDone, checkpoint }))
            .then(() => writeJsonAtomic(historyFile, { format: 'crystal-property-studio/run-history', version: 1, epochs: history }))
            .then(() => {
              report({ metrics: { phase: 1, epochEnd: r.epoch, member: r.member } });
              // The project overview shows epochs done; a refresh every few seconds is enough.
              if (performance.now() - lastChanged > 3000) {
                lastChanged = performance.now();
                this.projects.changed();
              }
            })
            .catch(() => {});
        };
        // In a worker thread the main process (IPC, file serving, other jobs) stays responsive while training.
        const script = process.env[TRAIN_WORKER_ENV] || workerScriptPath(TRAIN_WORKER_NAME);
        let result: TrainResult;
        if (script) {
          result = await runTrainingInWorker(script, options, data, { onProgress, onEpoch });
        } else {
          await this.backend();
          result = await trainModel(options, data, { onProgress, onEpoch });
        }

        // 3. The model bundle and the run's record.
        await fsp.mkdir(modelDir, { recursive: true });
        saveTrainedModel(modelDir, result, data, graphs, { runId, dataset: settings.dataset, settings });
        for (let k = 0; k < Math.max(1, settings.members); k++) {
          const file = path.join(dir, settings.members > 1 ? `${CHECKPOINT_FILE}.m${k}` : CHECKPOINT_FILE);
          for (const f of checkpointFiles(file)) await fsp.rm(f, { force: true }); // both generations
        }
        const best = result.members[0];
        await this.chains.get(runId);
        await writeJsonAtomic(historyFile, { format: 'crystal-property-studio/run-history', version: 1, epochs: history });
        await this.update(runId, manifestFile, () => ({
          state: 'done',
          owner: null,
          checkpoint: null,
          epochsDone: result.members.reduce((n, m) => n + m.epochsRun, 0),
          backend: result.backend.name,
          testMetrics: result.testMetrics ? Object.fromEntries(Object.entries(result.testMetrics.tasks).map(([k, v]) => [k, toTaskMetrics(v)])) : null,
          averageMae: result.testMetrics?.average_mae ?? null,
          durationSeconds: result.durationSeconds,
          modelDir: path.relative(projectDir, modelDir),
          bestEpoch: best ? best.bestEpoch : null,
          startedAt: result.startedAt,
          finishedAt: result.finishedAt,
          note: undefined,
        }));
        return `Trained in ${result.durationSeconds.toFixed(1)} s on ${result.backend.name}; model saved in models/${runId}`;
      } catch (err) {
        await this.chains.get(runId);
        const cancelled = signal.aborted;
        const hasCheckpoint = await isFile(path.join(dir, settings.members > 1 ? `${CHECKPOINT_FILE}.m0` : CHECKPOINT_FILE));
        await this.update(runId, manifestFile, () => ({
          state: cancelled ? 'cancelled' : 'failed',
          owner: null,
          checkpoint: hasCheckpoint ? (settings.members > 1 ? `${CHECKPOINT_FILE}.m0` : CHECKPOINT_FILE) : null,
          note: cancelled
            ? `Cancelled${lastEpochDone > 0 ? ` after epoch ${lastEpochDone}` : ' before the first epoch finished'}.${hasCheckpoint ? ' Resume continues from the last finished epoch.' : ''}`
            : `Failed: ${message(err)}.${hasCheckpoint ? ' Resume continues from the last finished epoch; ' : ' '}if it fails again, try a smaller batch size or check the dataset report.`,
        })).catch(() => {});
        throw err;
      } finally {
        this.live.delete(runId);
        this.projects.changed();
      }
    });
  }

  // ------------------------------------------------------------------ reading

  async detail(runId: string): Promise<RunDetail> {
    const { projectDir, history } = this.paths(runId);
    const m = await this.read(runId);
    const snapshot = await this.projects.snapshot();
    const run = snapshot.runs.find((r) => r.id === runId);
    if (!run) throw new UserFacingError(`The project has no training run "${runId}".`, 'not-found');
    return {
      run,
      settings: m.settings,
      units: m.units ?? m.settings.tasks.map(() => ''),
      history: await this.readHistory(history),
      jobId: this.live.get(runId) ?? null,
      backend: m.backend ?? null,
      ...(m.featurized ? { featurized: m.featurized } : {}),
      testMetrics: m.testMetrics ?? null,
      averageMae: m.averageMae ?? null,
      durationSeconds: m.durationSeconds ?? null,
      modelDir: m.modelDir ? path.join(projectDir, m.modelDir) : null,
    };
  }

  /** The model folder of a finished run. */
  async modelDir(runId: string): Promise<string> {
    const m = await this.read(runId);
    if (m.state !== 'done' || !m.modelDir) throw new UserFacingError(`Run "${m.name}" has not finished, so it has no model yet.`, 'failed');
    return path.join(this.paths(runId).projectDir, m.modelDir);
  }

  async results(runId: string): Promise<RunResults> {
    const m = await this.read(runId);
    const dir = await this.modelDir(runId);
    let record;
    try {
      record = readTrainingRun(dir);
    } catch (err) {
      throw new UserFacingError(`${message(err)}. The model folder is damaged; train the run again.`, 'failed');
    }
    if (!record) throw new UserFacingError(`The model folder ${dir} has no training record; train the run again.`, 'not-found');
    // The bundle says what each task is (a classifier head, its display name) and where its decision cut is.
    let bundleJson: ReturnType<typeof loadBundle>['json'] | undefined;
    try {
      bundleJson = loadBundle(dir).json;
    } catch (err) {
      throw new UserFacingError(`${message(err)}. The model folder is damaged; train the run again.`, 'failed');
    }
    const tasks: RunResults['tasks'] = record.tasks.map((t) => {
      const b = bundleJson!.tasks.find((x) => x.name === t.name);
      return { ...t, ...(b?.kind === 'classification' ? { kind: b.kind } : {}), ...(b?.displayName ? { displayName: b.displayName } : {}) };
    });
    const decisionThresholds = bundleDecisionThresholds(bundleJson);
    const yTrue = record.test.true.map((col) => Float64Array.from(col, (v) => (v === null ? NaN : v)));
    const yPred = record.test.pred.map((col) => Float64Array.from(col));
    const metrics = evaluatePredictions(tasks, yTrue, yPred, { decisionThresholds });
    const roc: RunResults['roc'] = {};
    tasks.forEach((t, k) => {
      const finite = (x: number) => (Number.isFinite(x) ? x : null);
      if (t.kind === 'classification') {
        const b = bundleJson!.tasks.find((x) => x.name === t.name);
        const m = metrics.tasks[t.name]!;
        const labelled = Array.from(yTrue[k]!).map((v, i) => [v, yPred[k]![i]!] as const).filter(([v]) => !Number.isNaN(v));
        const curve = rocCurve(labelled.map(([v]) => v > 0.5), labelled.map(([, p]) => p));
        roc[t.name] = { fpr: curve.fpr, tpr: curve.tpr, auc: m.roc_auc ?? null, thresholdEv: b?.derivedFrom?.below ?? METAL_THRESHOLD_EV, decisionThreshold: m.decision_threshold };
        return;
      }
      if (!isBandGapTask(t.name, t.unit)) return;
      const c = metalNonMetalMetrics(yTrue[k]!, yPred[k]!, METAL_THRESHOLD_EV, decisionThresholds[t.name] ?? METAL_THRESHOLD_EV);
      roc[t.name] = { fpr: [...c.roc.fpr], tpr: [...c.roc.tpr], auc: finite(c.rocAuc), thresholdEv: c.thresholdEv, decisionThreshold: c.decisionThresholdEv };
    });
    const history = record.history[0] ?? [];
    return {
      runId,
      name: m.name,
      dataset: m.dataset,
      tasks,
      metrics: Object.fromEntries(Object.entries(metrics.tasks).map(([k, v]) => [k, toTaskMetrics(v)])),
      averageMae: metrics.average_mae,
      split: record.split,
      test: { ids: record.test.ids, true: record.test.true, pred: record.test.pred },
      roc,
      backend: record.backend.name,
      durationSeconds: record.durationSeconds,
      epochsRun: history.length,
      bestEpoch: m.bestEpoch ?? null,
      settings: m.settings,
    };
  }
}

/** The installed model a run starts from (TrainSettings.startFrom): its parameters and its element table. */
function startFromModel(name: string): { options: TransferOptions; elementTable: ElementFeatureTable } {
  let resolved: ReturnType<typeof resolveModel>;
  try {
    resolved = resolveModel(name);
  } catch (e) {
    throw new UserFacingError(`The model "${name}" to start from cannot be used: ${(e as Error).message.split('\n')[0]}. Pick another model.`, 'not-found');
  }
  const bundle = loadBundle(resolved.dir);
  return {
    options: { source: transferSourceFromBundle(bundle, resolved.name) },
    elementTable: ElementFeatureTable.fromCgcnnJson(bundle.json.elementFeatures.table, `${resolved.name} model.json`),
  };
}
