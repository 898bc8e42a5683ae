export * from './regression';
export * from './classification';
export * from './task-kind';
export * from './normalizer';
export * from './split';
export * from './summary';
