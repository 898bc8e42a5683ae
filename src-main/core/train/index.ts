export * from './types';
export * from './trainer';
export * from './collate';
export * from './loss';
export * from './optimizer';
export * from './schedule';
export * from './checkpoint';
export * from './worker-client';
