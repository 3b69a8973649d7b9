export * from './adapter-deps';
export * from './gateway-error';
export * from './gateway.port';
export * from './gateway.types';
export * from './outcome-mapping';
