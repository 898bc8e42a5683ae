/**
 * Dataset import for the app: inspect a structure folder + label CSV pair, validate it as a job (every structure
 * parsed with the same readers training uses, label statistics per task), then add the accepted result to the open
 * project, by reference or as a copy.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import path from 'node:path';
import { buildScan, readIdPropText, type DatasetEntry, type DatasetScan } from '../../core/dataset/dataset-folder';
import { IdPropTooLargeError, parseIdProp } from '../../core/dataset/id-prop';
import { structureFileParserAsync } from '../../core/dataset/structure-parse';
import { validateDatasetAsync, type StructureParseOutcome, type ValidationReport } from '../../core/dataset/validation-report';
import { describeSkipped } from '../../core/screen/file-walk';
import { ElementFeatureTable } from '../../core/element-features/element-features';
import { inferUnit } from '../../../src-shared/task-kind';
import type {
  DatasetInspection,
  DatasetSource,
  DatasetValidationReport,
  ImportDatasetRequest,
  StructureTable,
  TaskMapping,
  ValidateDatasetRequest,
} from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';
import { expandPath, isDirectory, isFile, JsonFileError, readJson } from '../fs-util';
import { writeJsonAtomic } from '../../core/fs/atomic-write';
import type { JobManager } from '../jobs';
import { countedProgress } from '../progress';
import {
  DATASET_FORMAT,
  MANIFEST_VERSION,
  parseStructureIndex,
  projectPaths,
  type DatasetManifest,
  type StructureIndex,
  type StructureIndexRow,
} from '../projects/manifests';
import type { ProjectSession } from '../projects/project-session';

/** Lists in reports crossing IPC are cut to this many entries (counts keep the totals). */
export const REPORT_LIST_LIMIT = 1000;
/** Validation results kept in memory for the import step. */
const KEEP_VALIDATIONS = 8;

interface Validation {
  request: ValidateDatasetRequest;
  report: DatasetValidationReport;
  rows: StructureIndexRow[];
}

/** A task name the contract accepts, derived from a CSV header. */
export function suggestTaskName(column: string): string {
  let name = column.trim().replace(/[^A-Za-z0-9_.-]+/g, '_').replace(/^_+|_+$/g, '');
  if (!/^[A-Za-z]/.test(name)) name = `t_${name}`;
  return name.slice(0, 64) || 'task';
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

export class DatasetService {
  private readonly validations = new Map<string, Validation>();
  private readonly failures = new Map<string, string>();

  constructor(
    private readonly jobs: JobManager,
    private readonly projects: ProjectSession,
  ) {}

  // ------------------------------------------------------------------ inspect

  private async readSource(source: DatasetSource): Promise<{ structuresDir: string; csvFile: string; csv: string; names: string[] }> {
    const structuresDir = expandPath(source.structuresDir);
    const csvFile = expandPath(source.csvFile);
    if (!(await isDirectory(structuresDir))) {
      throw new UserFacingError(`The structure folder ${structuresDir} does not exist or is not a folder. Choose the folder that holds the <id>.cif files.`, 'not-found');
    }
    if (!(await isFile(csvFile))) {
      throw new UserFacingError(
        `The label CSV ${csvFile} does not exist. Choose the CSV with one row per crystal (id, then one column per property); in the CGCNN layout it is id_prop.csv inside the structure folder.`,
        'not-found',
      );
    }
    let csv: string;
    let dirents;
    try {
      csv = await readIdPropText(csvFile);
      dirents = await fsp.readdir(structuresDir, { withFileTypes: true });
    } catch (err) {
      if (err instanceof IdPropTooLargeError) throw new UserFacingError(err.message, 'failed');
      throw new UserFacingError(`Cannot read the dataset: ${message(err)}. Check that you may read the folder and the CSV.`, 'failed');
    }
    const names = dirents.filter((d) => d.isFile() || d.isSymbolicLink()).map((d) => d.name);
    return { structuresDir, csvFile, csv, names };
  }

  async inspect(source: DatasetSource): Promise<DatasetInspection> {
    const { structuresDir, csvFile, csv, names } = await this.readSource(source);
    const table = parseIdProp(csv, { source: csvFile });
    if (table.tasks.length === 0) {
      throw new UserFacingError(`${csvFile} has no property columns. The CSV needs an id column followed by at least one numeric column.`, 'failed');
    }
    const scan = buildScan(structuresDir, csv, names);
    const columns = table.tasks.map((column, t) => {
      let values = 0;
      for (const row of table.rows) if (!Number.isNaN(row.labels[t])) values++;
      return { column, values, missing: table.rows.length - values, suggestedName: suggestTaskName(column), suggestedUnit: inferUnit(column) };
    });
    return {
      structuresDir,
      csvFile,
      hasHeader: table.hasHeader,
      idColumn: table.idColumn,
      columns,
      csvRows: scan.csvDataLines,
      validRows: scan.entries.length + scan.missingFiles.length,
      structureFiles: scan.structureFileCount,
      matched: scan.entries.length,
      missingFiles: scan.missingFiles.length,
      orphanFiles: scan.orphanFiles.length,
      csvIssues: scan.csvIssues.filter((i) => i.kind !== 'duplicate-id').length,
      duplicateIds: scan.duplicateIds.length,
      notRead: scan.notRead.total,
      notReadSummary: describeSkipped(scan.notRead),
      suggestedName: suggestDatasetName(structuresDir),
    };
  }

  // ------------------------------------------------------------------ validate

  /** Restricts and renames the scan's tasks to the mapping (labels reordered to the mapping's order). */
  private mapScan(scan: DatasetScan, tasks: TaskMapping[]): DatasetScan {
    const columnIndex = tasks.map((t) => {
      const i = scan.tasks.findIndex((s) => s.name === t.column);
      if (i < 0) {
        throw new UserFacingError(`The CSV has no column "${t.column}" (its columns: ${scan.tasks.map((s) => s.name).join(', ')}). Inspect the dataset again.`, 'failed');
      }
      return i;
    });
    const remap = (labels: Float64Array) => Float64Array.from(columnIndex, (i) => labels[i]);
    return {
      ...scan,
      tasks: tasks.map((t) => ({ name: t.name, unit: t.unit })),
      entries: scan.entries.map((e) => ({ ...e, labels: remap(e.labels) })),
    };
  }

  validate(request: ValidateDatasetRequest): string {
    return this.jobs.start('validate', 'structures', async (signal, report, jobId) => {
      const started = performance.now();
      try {
        report({ message: 'Reading the CSV and listing the folder…' });
        const src = await this.readSource(request);
        const scan = this.mapScan(buildScan(src.structuresDir, src.csv, src.names), request.tasks);
        const progress = countedProgress(report, { total: scan.entries.length, unit: 'structures' });
        progress(0, `Parsing ${scan.entries.length} structures…`);
        const outcomes = new Map<string, StructureParseOutcome>();
        const parseFile = structureFileParserAsync({ partialOccupancy: request.partialOccupancy });
        const parse = async (file: string, entry: DatasetEntry) => {
          const outcome = await parseFile(file, entry);
          outcomes.set(entry.id, outcome);
          return outcome;
        };
        const core = await validateDatasetAsync(scan, parse, {
          features: ElementFeatureTable.builtin(),
          signal,
          onProgress: (done) => progress(done, `Parsed ${done} of ${scan.entries.length} structures`),
        });
        const result = toContractReport(core, { ...request, structuresDir: src.structuresDir, csvFile: src.csvFile }, (performance.now() - started) / 1000);
        const bad = new Map(core.badFiles.map((b) => [b.id, b.reason]));
        const rows: StructureIndexRow[] = scan.entries.map((e) => {
          const o = outcomes.get(e.id);
          const reason = bad.get(e.id);
          const parsed = o && o.ok === true ? o : undefined;
          return {
            id: e.id,
            file: path.basename(e.file),
            ok: reason === undefined,
            ...(parsed ? { formula: parsed.formula, atoms: parsed.numAtoms } : {}),
            ...(reason !== undefined ? { reason } : {}),
            labels: Array.from(e.labels, (v) => (Number.isNaN(v) ? null : v)),
          };
        });
        this.remember(jobId, { request: result, report: result, rows });
        return `${core.counts.usable} of ${core.counts.entries} structures usable`;
      } catch (err) {
        if (!signal.aborted) this.failures.set(jobId, message(err));
        throw err;
      }
    });
  }

  private remember(jobId: string, v: Validation): void {
    this.validations.set(jobId, v);
    while (this.validations.size > KEEP_VALIDATIONS) this.validations.delete(this.validations.keys().next().value!);
  }

  validation(jobId: string): DatasetValidationReport {
    const v = this.validations.get(jobId);
    if (v) return v.report;
    const job = this.jobs.get(jobId);
    if (!job) throw new UserFacingError('This validation is no longer available. Validate the dataset again.', 'not-found');
    if (job.state === 'running' || job.state === 'queued') throw new UserFacingError('The validation is still running. Wait for it to finish.', 'failed');
    if (job.state === 'cancelled') throw new UserFacingError('The validation was cancelled. Validate the dataset again.', 'cancelled');
    throw new UserFacingError(`The validation failed: ${this.failures.get(jobId) ?? job.message ?? 'unknown error'}`, 'failed');
  }

  // ------------------------------------------------------------------ import

  async import(request: ImportDatasetRequest): Promise<string> {
    const projectDir = this.projects.requireDir();
    const v = this.validations.get(request.validationJobId);
    if (!v) throw new UserFacingError('The validation to import is no longer available. Validate the dataset again, then import.', 'not-found');
    if (v.report.counts.usable === 0) throw new UserFacingError('No structure of this dataset can be used, so there is nothing to import. Fix the problems listed in the report first.', 'failed');
    const p = projectPaths(projectDir);
    const target = p.dataset(request.name);
    if (await fsp.stat(target).then(() => true, () => false)) {
      throw new UserFacingError(`This project already has a dataset named "${request.name}". Choose another name, or remove the existing dataset first.`, 'failed');
    }
    const rows = v.rows;
    const fileCount = request.storage === 'copy' ? rows.length + 1 : 0;
    return this.jobs.start('import', request.storage === 'copy' ? 'files' : 'steps', async (signal, report) => {
      const tmp = path.join(p.datasets, `.${request.name}.importing-${randomBytes(3).toString('hex')}`);
      try {
        await fsp.mkdir(tmp, { recursive: true });
        let structuresDir = v.report.structuresDir;
        let csvFile = v.report.csvFile;
        if (request.storage === 'copy') {
          const progress = countedProgress(report, { total: fileCount, unit: 'files' });
          await fsp.mkdir(path.join(tmp, 'files', 'structures'), { recursive: true });
          let done = 0;
          for (const row of rows) {
            signal.throwIfAborted();
            await fsp.copyFile(path.join(v.report.structuresDir, row.file), path.join(tmp, 'files', 'structures', row.file));
            progress(++done, `Copying structures (${done} of ${rows.length})`);
          }
          const csvName = path.basename(v.report.csvFile);
          await fsp.copyFile(v.report.csvFile, path.join(tmp, 'files', csvName));
          progress(++done, 'Copied the label CSV');
          structuresDir = path.join('files', 'structures');
          csvFile = path.join('files', csvName);
        } else {
          report({ done: 0, total: 1, message: 'Writing the dataset manifest' });
        }
        const manifest: DatasetManifest = {
          format: DATASET_FORMAT,
          version: MANIFEST_VERSION,
          name: request.name,
          createdAt: new Date().toISOString(),
          storage: request.storage,
          structuresDir,
          csvFile,
          original: { structuresDir: v.report.structuresDir, csvFile: v.report.csvFile },
          tasks: v.request.tasks,
          readOptions: { partialOccupancy: v.request.partialOccupancy },
          counts: {
            entries: v.report.counts.entries,
            usable: v.report.counts.usable,
            badFiles: v.report.counts.badFiles,
            labelledPerTask: v.report.counts.labelledPerTask,
          },
          problems: v.report.problems,
        };
        const index: StructureIndex = { format: 'crystal-property-studio/structure-index', version: 1, rows };
        await writeJsonAtomic(path.join(tmp, 'validation.json'), v.report);
        await writeJsonAtomic(path.join(tmp, 'structures.json'), index);
        await writeJsonAtomic(path.join(tmp, 'dataset.json'), manifest);
        signal.throwIfAborted();
        await fsp.rename(tmp, target);
        if (request.storage === 'reference') report({ done: 1, total: 1 });
        await this.projects.touch();
        return `Dataset "${request.name}" added to the project (${manifest.counts.usable} crystals)`;
      } catch (err) {
        await fsp.rm(tmp, { recursive: true, force: true }).catch(() => {});
        throw err;
      }
    });
  }

  async remove(name: string): Promise<void> {
    const projectDir = this.projects.requireDir();
    await this.projects.datasetManifest(name); // must exist
    const p = projectPaths(projectDir);
    // Renamed away first so that a half-deleted folder is never read as a dataset.
    const trash = path.join(p.datasets, `.${name}.removing-${randomBytes(3).toString('hex')}`);
    await fsp.rename(p.dataset(name), trash);
    await fsp.rm(trash, { recursive: true, force: true });
    await this.projects.touch();
  }

  async storedReport(name: string): Promise<DatasetValidationReport> {
    await this.projects.datasetManifest(name);
    const file = projectPaths(this.projects.requireDir()).datasetValidation(name);
    try {
      return (await readJson(file)) as DatasetValidationReport;
    } catch (err) {
      throw new UserFacingError(`${message(err)}. Re-import the dataset to recreate its report.`, err instanceof JsonFileError && err.kind === 'missing' ? 'not-found' : 'failed');
    }
  }

  // ------------------------------------------------------------------ structures

  async index(name: string): Promise<{ manifest: DatasetManifest; index: StructureIndex }> {
    const manifest = await this.projects.datasetManifest(name);
    const file = projectPaths(this.projects.requireDir()).datasetIndex(name);
    try {
      return { manifest, index: parseStructureIndex(await readJson(file), file) };
    } catch (err) {
      throw new UserFacingError(`${message(err)}. Re-import the dataset to rebuild its structure list.`, 'failed');
    }
  }

  async table(name: string): Promise<StructureTable> {
    const { manifest, index } = await this.index(name);
    const usable = index.rows.filter((r) => r.ok);
    return {
      dataset: manifest.name,
      tasks: manifest.tasks,
      ids: usable.map((r) => r.id),
      formulas: usable.map((r) => r.formula ?? ''),
      atoms: usable.map((r) => r.atoms ?? 0),
      labels: manifest.tasks.map((_, t) => usable.map((r) => r.labels[t] ?? null)),
      unusable: index.rows.filter((r) => !r.ok).map((r) => ({ id: r.id, reason: r.reason ?? 'unreadable' })),
    };
  }
}

function suggestDatasetName(dir: string): string {
  const base = path.basename(dir).replace(/[^A-Za-z0-9 ._-]+/g, '-').replace(/^[^A-Za-z0-9_]+/, '');
  return base.slice(0, 64) || 'dataset';
}

const cut = <T>(xs: readonly T[]): T[] => xs.slice(0, REPORT_LIST_LIMIT);

function toContractReport(core: ValidationReport, request: ValidateDatasetRequest, seconds: number): DatasetValidationReport {
  return {
    structuresDir: request.structuresDir,
    csvFile: request.csvFile,
    tasks: request.tasks,
    partialOccupancy: request.partialOccupancy,
    counts: core.counts,
    badFiles: cut(core.badFiles),
    missingFiles: cut(core.missingFiles),
    orphanFiles: cut(core.orphanFiles),
    csvIssues: cut(core.csvIssues),
    duplicateIds: cut(core.duplicateIds),
    unsupportedElements: core.unsupportedElements,
    elementsPresent: core.elementsPresent,
    atoms: core.atoms,
    filesWithWarnings: core.filesWithWarnings,
    labelStats: core.labelStats,
    problems: core.problems,
    validatedAtIso: new Date().toISOString(),
    seconds,
  };
}
