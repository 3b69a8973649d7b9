export * from './jibit.simulator';
export * from './jibit.scenario';
export { JIBIT_SIM_CODES } from './jibit-sandbox.errors';
