/** `mtcgcnn models [--json]`: the shipped and user models with their cards (tasks, test errors, size). */
import type { Command, CommandIo } from '../command';
import { booleanOption } from '../command';
import { formatBytes, listModels, MODELS_PATH_ENV, type Catalogue, type CatalogueEntry, type ModelCardTask } from '../../core/catalogue';

function fmtMae(x: number | null): string {
  if (x === null) return '-';
  const a = Math.abs(x);
  return a !== 0 && (a < 0.001 || a >= 1e5) ? x.toExponential(2) : x.toPrecision(3);
}

function where(m: CatalogueEntry): string {
  return m.isDefault ? 'shipped, default' : m.source;
}

function dataset(m: CatalogueEntry): string {
  const d = m.card?.dataset;
  if (!d) return '-';
  const name = d.name ?? 'unnamed';
  const short = name.length > 32 ? name.slice(0, 31) + '~' : name;
  return d.crystals !== null ? `${short} (${d.crystals})` : short;
}

/** Rows of text cells: one row per task; model columns only on its first row. */
function tableRows(models: CatalogueEntry[]): string[][] {
  const rows: string[][] = [];
  for (const m of models) {
    if (!m.card) {
      rows.push([m.name, where(m), '-', '-', '-', '-', '-', `unreadable: ${m.error ?? 'unknown error'}`, '']);
      continue;
    }
    const c = m.card;
    const first = [m.name, where(m), String(c.ensembleSize), formatBytes(c.sizeBytes), c.date ? c.date.slice(0, 10) : '-', dataset(m), c.backend?.name ?? '-'];
    const tasks: Pick<ModelCardTask, 'name' | 'unit' | 'testMae' | 'classifier'>[] = c.tasks.length > 0 ? c.tasks : [{ name: '-', unit: '', testMae: null }];
    tasks.forEach((t, i) => {
      const cells = i === 0 ? first : first.map(() => '');
      // a classification head has no MAE: its ROC AUC and accuracy instead
      const score = t.classifier
        ? `ROC AUC ${t.classifier.testRocAuc === null ? '-' : t.classifier.testRocAuc.toFixed(3)}, accuracy ${t.classifier.testAccuracy === null ? '-' : t.classifier.testAccuracy.toFixed(3)}`
        : t.testMae === null ? '-' : `${fmtMae(t.testMae)}${t.unit ? ' ' + t.unit : ''}`;
      rows.push([...cells, t.name, score]);
    });
  }
  return rows;
}

export function formatModelsTable(cat: Catalogue): string[] {
  const header = ['NAME', 'WHERE', 'K', 'SIZE', 'TRAINED', 'DATASET', 'BACKEND', 'TASK', 'TEST MAE'];
  const rows = tableRows(cat.models);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i].length)));
  const line = (r: string[]): string => r.map((c, i) => (i === r.length - 1 ? c : c.padEnd(widths[i]))).join('  ').trimEnd();
  const out: string[] = [];
  if (cat.models.length === 0) out.push('no models installed');
  else out.push(line(header), ...rows.map(line));
  out.push('');
  out.push(`shipped models: ${cat.shippedDir ?? '(resources folder not found)'}${cat.defaultName ? ` (default: ${cat.defaultName})` : ''}`);
  out.push(`your models:    ${cat.userDirs.join(', ')}`);
  out.push(`K = ensemble members; TEST MAE on the held-out test split, in the task's unit. Add folders with ${MODELS_PATH_ENV}.`);
  return out;
}

export const modelsCommand: Command = {
  name: 'models',
  summary: 'List the shipped and your trained models with their tasks, test errors, ensemble size and size.',
  positionals: '',
  arity: [0, 0],
  options: {
    json: { type: 'boolean', description: 'print the catalogue as JSON (every card field)' },
  },
  details: `
Shipped models live in the app's resources/models folder (resources/models/default.json names the default, which
mtcgcnn screen uses when --model is not given). Your models are the bundle folders (with a model.json) in
$MTCGCNN_HOME/models (default ~/CrystalPropertyStudio/models) and in the folders listed in ${MODELS_PATH_ENV}
(separated like PATH). Copy the --out folder of mtcgcnn train there to use it by name: --model NAME.`,
  async run(args, io: CommandIo) {
    const cat = listModels();
    if (booleanOption(args, 'json')) {
      io.out(
        JSON.stringify(
          { shippedDir: cat.shippedDir, defaultModel: cat.defaultName, userDirs: cat.userDirs, models: cat.models, warnings: cat.warnings },
          null,
          2,
        ),
      );
      return 0;
    }
    for (const w of cat.warnings) io.err(`warning: ${w}`);
    for (const l of formatModelsTable(cat)) io.out(l);
    return 0;
  },
};
