export * from './payment.events';
export * from './payment.state';
export * from './payment.decider';
