/** The model catalogue: shipped and user model bundles, their cards, and what `--model` resolves to. */
export {
  DEFAULT_MODEL_FILE,
  MODELS_PATH_ENV,
  ModelCatalogueError,
  listModels,
  readDefaultModelName,
  readModelCard,
  resolveDefaultModel,
  resolveModel,
  shippedModelsDir,
  userModelDirs,
  type Catalogue,
  type CatalogueEntry,
  type CatalogueOptions,
  type ModelCard,
  type ModelCardTask,
  type ModelSource,
  type ResolvedModel,
} from './catalogue';
export { formatBytes } from '../../../src-shared/format-bytes';
