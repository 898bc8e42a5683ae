export * from './regression';
export * from './classification';
export * from '../../../src-shared/task-kind';
export * from './normalizer';
export * from './split';
export * from './summary';
