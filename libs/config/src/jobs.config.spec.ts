import { readJobsConfig } from './jobs.config';

describe('jobs configuration', () => {
  it('defaults: every job on, the intervals, batches and concurrency of the README, a 90 s claim lease, no worker metrics port', () => {
    const problems: string[] = [];
    const config = readJobsConfig({}, problems);
    expect(problems).toEqual([]);
    expect(config).toMatchObject({
      enabled: true,
      claimLeaseMs: 90_000,
      metricsPort: undefined,
      jibitTokenRefresh: { enabled: true, intervalMs: 60_000 },
      mispayTrackCheckout: { enabled: true, intervalMs: 5_000, batchSize: 64, concurrency: 16 },
      inquiry: { enabled: true, intervalMs: 10_000, batchSize: 100, concurrency: 8 },
      verifyDeadline: { enabled: true, intervalMs: 10_000, batchSize: 100, concurrency: 8 },
    });
  });

  it('each job is switched and tuned on its own; JOBS_ENABLED=false switches them all off', () => {
    const problems: string[] = [];
    const config = readJobsConfig({ JOBS_INQUIRY_ENABLED: 'false', JOBS_MISPAY_TRACK_CHECKOUT_CONCURRENCY: '4', JOBS_VERIFY_DEADLINE_BATCH_SIZE: '25', JOBS_METRICS_PORT: '9464' }, problems);
    expect(problems).toEqual([]);
    expect(config.inquiry.enabled).toBe(false);
    expect(config.mispayTrackCheckout.concurrency).toBe(4);
    expect(config.verifyDeadline.batchSize).toBe(25);
    expect(config.metricsPort).toBe(9464);
    const off = readJobsConfig({ JOBS_ENABLED: 'false' }, problems);
    expect([off.jibitTokenRefresh, off.mispayTrackCheckout, off.inquiry, off.verifyDeadline].map((j) => j.enabled)).toEqual([false, false, false, false]);
  });

  it('refuses settings that would break a deadline: a token look rarer than its renewal margin, a deadline sweep rarer than a minute, a lease shorter than a confirmation', () => {
    const problems: string[] = [];
    readJobsConfig({ JOBS_JIBIT_TOKEN_REFRESH_INTERVAL_MS: '600000', JOBS_VERIFY_DEADLINE_INTERVAL_MS: '120000', JOBS_CLAIM_LEASE_MS: '30000', JOBS_INQUIRY_CONCURRENCY: '0' }, problems);
    expect(problems).toHaveLength(4);
    for (const name of ['JOBS_JIBIT_TOKEN_REFRESH_INTERVAL_MS', 'JOBS_VERIFY_DEADLINE_INTERVAL_MS', 'JOBS_CLAIM_LEASE_MS', 'JOBS_INQUIRY_CONCURRENCY']) {
      expect(problems.some((p) => p.startsWith(`${name} must be`))).toBe(true);
    }
  });
});
