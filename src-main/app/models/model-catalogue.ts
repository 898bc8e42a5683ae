/**
 * The model catalogue as the app shows it (`models:list`) and how a screening finds a catalogue model by where it
 * is installed and its name (`screen:start` with `model: {source, name}`). The core catalogue
 * (src-main/core/catalogue) does the listing; this module turns its entries into the IPC shape and its errors into
 * messages that say what to do.
 */
import { taskLabel } from '../../../src-shared/text-format';
import { listModels, type Catalogue, type CatalogueEntry, type CatalogueOptions, type ModelCardTask } from '../../core/catalogue';
import type { CatalogueModel, CatalogueModelRef, CatalogueModelTask, ModelCatalogueInfo } from '../../../src-shared/contract';
import { UserFacingError } from '../../ipc/dispatcher';

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** A task of a model card in the IPC shape (models:list, the demo): readable name, unit and held-back test figures. */
export function catalogueTaskOf(t: ModelCardTask): CatalogueModelTask {
  return {
    name: t.name, label: taskLabel(t.name), unit: t.unit, testMae: t.testMae, testCount: t.testCount,
    ...(t.classifier ? { classifier: { ...t.classifier } } : {}),
  };
}

/** One catalogue entry in the IPC shape (an unreadable bundle keeps its name, folder and error). */
export function catalogueModelOf(e: CatalogueEntry): CatalogueModel {
  const card = e.card;
  return {
    name: e.name,
    source: e.source,
    dir: e.dir,
    isDefault: e.isDefault,
    error: card ? null : (e.error ?? 'the model card cannot be read'),
    kind: card && card.tasks.length > 1 ? 'MT-CGCNN' : 'CGCNN',
    description: card?.description ?? null,
    tasks: (card?.tasks ?? []).map(catalogueTaskOf),
    ensembleSize: card?.ensembleSize ?? 0,
    sizeBytes: card?.sizeBytes ?? 0,
    dataset: {
      name: card?.dataset.name ?? null,
      description: card?.dataset.description ?? null,
      crystals: card?.dataset.crystals ?? null,
      license: card?.dataset.license ?? null,
      citations: card?.dataset.citations ?? [],
    },
    trainedIso: card?.date ?? null,
    backend: card?.backend?.name ?? null,
    epochs: card?.epochs ?? null,
    recipe: card?.recipe ?? null,
  };
}

export function catalogueInfoOf(cat: Catalogue): ModelCatalogueInfo {
  return {
    models: cat.models.map(catalogueModelOf),
    defaultName: cat.defaultName,
    shippedDir: cat.shippedDir,
    userDirs: cat.userDirs,
    warnings: cat.warnings,
  };
}

/** `models:list`: every shipped and user model with its card. Never throws for a broken folder (it is listed with its error). */
export function modelCatalogue(options: CatalogueOptions = {}): ModelCatalogueInfo {
  return catalogueInfoOf(listModels(options));
}

const SOURCE_WORDS: Record<CatalogueModelRef['source'], string> = { shipped: 'shipped with the app', user: 'among your models' };

/**
 * The installed model `ref` names, with its card. Refuses (UserFacingError) a name that is not installed there, a
 * name found in several of the user's model folders, and a folder whose model.json cannot be read.
 */
export function findCatalogueModel(ref: CatalogueModelRef, options: CatalogueOptions = {}): CatalogueModel {
  let cat: Catalogue;
  try {
    cat = listModels(options);
  } catch (err) {
    throw new UserFacingError(`The installed models cannot be listed: ${message(err)}.`, 'failed');
  }
  const matches = cat.models.filter((m) => m.source === ref.source && m.name === ref.name);
  if (matches.length === 0) {
    const installed = cat.models.filter((m) => m.source === ref.source).map((m) => m.name);
    throw new UserFacingError(
      `No model "${ref.name}" is installed ${SOURCE_WORDS[ref.source]}${installed.length ? ` (installed: ${installed.join(', ')})` : ''}. Pick another model.`,
      'not-found',
    );
  }
  if (matches.length > 1) {
    throw new UserFacingError(`The model name "${ref.name}" is used by several folders (${matches.map((m) => m.dir).join(', ')}). Rename one of them.`, 'failed');
  }
  const model = catalogueModelOf(matches[0]!);
  if (model.error !== null) throw new UserFacingError(`The model "${ref.name}" (${model.dir}) cannot be used: ${model.error}. Pick another model or reinstall it.`, 'failed');
  return model;
}
