export * from './fault-injector';
export * from './outbound';
export * from './request-log';
export * from './sandbox-clock';
export * from './sandbox.app';
export * from './scenario-book';
export * from './seeded-random';
export * from './simulator';
