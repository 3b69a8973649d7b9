export * from './gateway.registry';
export * from './http';
export * from './port';
