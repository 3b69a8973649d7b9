export * from './http';
export * from './port';
