import type { JobsConfig, JobSettings } from '@payledger/config';

/** Every scheduled job, as configuration, logs, metrics and GET /v1/ops/jobs name it. */
export const JOB_NAMES = ['jibit-token-refresh', 'mispay-track-checkout', 'inquiry', 'verify-deadline'] as const;
export type JobName = (typeof JOB_NAMES)[number];

/** The jobs that work on tasks of the task projection (the token refresher works on the session instead). */
export type TaskJobName = Exclude<JobName, 'jibit-token-refresh'>;
export const TASK_JOB_NAMES: readonly TaskJobName[] = ['mispay-track-checkout', 'inquiry', 'verify-deadline'];

const SETTINGS_KEY: Record<JobName, keyof Pick<JobsConfig, 'jibitTokenRefresh' | 'mispayTrackCheckout' | 'inquiry' | 'verifyDeadline'>> = {
  'jibit-token-refresh': 'jibitTokenRefresh',
  'mispay-track-checkout': 'mispayTrackCheckout',
  inquiry: 'inquiry',
  'verify-deadline': 'verifyDeadline',
};

export function jobSettings(config: JobsConfig, job: JobName): JobSettings {
  return config[SETTINGS_KEY[job]];
}

export function isJobName(value: unknown): value is JobName {
  return typeof value === 'string' && (JOB_NAMES as readonly string[]).includes(value);
}

/** Advisory-lock class of the jobs' singletons (7301 subscriptions, 7302 api-key bootstrap, 7310 rebuilds). */
export const JOB_LOCK_CLASS = 7320;
