export * from './job.names';
export * from './job-stats.store';
export * from './jobs.view';
export * from './metrics.registry';
export * from './task.projection';
export * from './task.rules';
export * from './task.store';
