import { Env, readBool, readInt } from './config.schema';

/** One scheduled job's switches. Batch size and concurrency mean nothing to the token refresher. */
export interface JobSettings {
  enabled: boolean;
  /** How often a worker starts a run (a run still going when the next is due is not overlapped). */
  intervalMs: number;
  /** Due tasks one run claims at most. */
  batchSize: number;
  /** Claimed tasks worked on at once. */
  concurrency: number;
}

export interface JobsConfig {
  /** Off: the worker schedules no job (subscribers still run). */
  enabled: boolean;
  /** How long a claimed task stays with the instance that claimed it; renewed while it works, so a killed instance's tasks come back after this. */
  claimLeaseMs: number;
  /** Set: a worker running on its own serves GET /metrics on this port (the api serves it anyway). */
  metricsPort: number | undefined;
  jibitTokenRefresh: JobSettings;
  mispayTrackCheckout: JobSettings;
  inquiry: JobSettings;
  verifyDeadline: JobSettings;
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;

/**
 * The token refresher must look more often than the 5 minutes of life left at which Jibit's holder renews
 * (jibit.md D3), else a pair could run out between two looks.
 */
const TOKEN_REFRESH_INTERVAL_MAX_MS = 4 * MINUTE_MS;
/** The deadline sweep's capture (+13 min) must run before the 15-minute verify window closes (jibit.md D10). */
const VERIFY_DEADLINE_INTERVAL_MAX_MS = MINUTE_MS;
/** Longer than a payment's confirmation lease (60 s), so a task never comes back while its confirmation may still be running. */
const CLAIM_LEASE_MIN_MS = 61 * SECOND_MS;
const INTERVAL_MIN_MS = 100;
const INTERVAL_MAX_MS = 60 * MINUTE_MS;
const BATCH_SIZE_MAX = 10_000;
const CONCURRENCY_MAX = 256;

interface JobDefaults {
  prefix: string;
  intervalMs: number;
  intervalMaxMs: number;
  batchSize: number;
  concurrency: number;
}

function readJob(env: Env, problems: string[], defaults: JobDefaults, jobsEnabled: boolean): JobSettings {
  const p = defaults.prefix;
  return {
    enabled: jobsEnabled && readBool(env, `${p}_ENABLED`, true, problems),
    intervalMs: readInt(env, `${p}_INTERVAL_MS`, defaults.intervalMs, problems, INTERVAL_MIN_MS, defaults.intervalMaxMs),
    batchSize: readInt(env, `${p}_BATCH_SIZE`, defaults.batchSize, problems, 1, BATCH_SIZE_MAX),
    concurrency: readInt(env, `${p}_CONCURRENCY`, defaults.concurrency, problems, 1, CONCURRENCY_MAX),
  };
}

export function readJobsConfig(env: Env, problems: string[]): JobsConfig {
  const enabled = readBool(env, 'JOBS_ENABLED', true, problems);
  const metricsPortRaw = env.JOBS_METRICS_PORT;
  return {
    enabled,
    claimLeaseMs: readInt(env, 'JOBS_CLAIM_LEASE_MS', 90 * SECOND_MS, problems, CLAIM_LEASE_MIN_MS, 60 * MINUTE_MS),
    metricsPort: metricsPortRaw === undefined || metricsPortRaw === '' ? undefined : readInt(env, 'JOBS_METRICS_PORT', 0, problems, 1, 65535),
    jibitTokenRefresh: readJob(env, problems, { prefix: 'JOBS_JIBIT_TOKEN_REFRESH', intervalMs: MINUTE_MS, intervalMaxMs: TOKEN_REFRESH_INTERVAL_MAX_MS, batchSize: 1, concurrency: 1 }, enabled),
    // Each track-checkout may be held open 30 s by MIS Pay: many at once, few per run.
    mispayTrackCheckout: readJob(env, problems, { prefix: 'JOBS_MISPAY_TRACK_CHECKOUT', intervalMs: 5 * SECOND_MS, intervalMaxMs: INTERVAL_MAX_MS, batchSize: 64, concurrency: 16 }, enabled),
    inquiry: readJob(env, problems, { prefix: 'JOBS_INQUIRY', intervalMs: 10 * SECOND_MS, intervalMaxMs: INTERVAL_MAX_MS, batchSize: 100, concurrency: 8 }, enabled),
    verifyDeadline: readJob(env, problems, { prefix: 'JOBS_VERIFY_DEADLINE', intervalMs: 10 * SECOND_MS, intervalMaxMs: VERIFY_DEADLINE_INTERVAL_MAX_MS, batchSize: 100, concurrency: 8 }, enabled),
  };
}
