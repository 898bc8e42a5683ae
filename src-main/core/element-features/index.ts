export {
  BUILTIN_FILE,
  ElementFeatureError,
  ElementFeatureTable,
  MATRIX_ROWS,
  MAX_Z,
  type CgcnnAtomInit,
} from './element-features';
export { CGCNN92_DIMENSION, CGCNN92_LAYOUT, type FeatureBlock } from './cgcnn-layout';
export { RESOURCES_ENV, resourcePath, resourcesDir, type ResourcesDirOptions } from './resources-path';
