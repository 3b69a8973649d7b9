export * from './assert';
export * from './clock';
export * from './domain-error';
export * from './ids';
export * from './money';
