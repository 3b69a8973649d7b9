export * from './gateway-http.client';
export * from './interaction-events';
export * from './interaction-recorder';
export * from './postgres-token-store';
export * from './retry';
export * from './token-holder';
