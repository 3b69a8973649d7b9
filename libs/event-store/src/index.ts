export * from './event-store.module';
export * from './event-store.port';
export * from './json';
export * from './postgres-event-store';
export * from './redaction';
export * from './subscription';
export * from './upcasters';
