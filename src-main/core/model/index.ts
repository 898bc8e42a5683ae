export * from './config';
export * from './params';
export * from './batch';
export * from './layers';
export * from './network';
export * from './inference';
export * from './bundle';
export * from './predictor';
