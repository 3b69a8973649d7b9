export * from './logger';
export * from './process-lifecycle';
export * from './secrets';
