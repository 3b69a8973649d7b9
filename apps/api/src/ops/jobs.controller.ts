import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@payledger/config';
import { PG_POOL } from '@payledger/database';
import { JobView, jobViews } from '@payledger/jobs';
import { Clock } from '@payledger/kernel';
import { RequireRole } from '../auth/require-role.decorator';

const EXAMPLE: { jobs: JobView[] } = {
  jobs: [
    {
      name: 'verify-deadline',
      enabled: true,
      intervalMs: 10000,
      settingsFrom: 'worker',
      lastRun: { startedAt: '2026-03-01T09:13:00.000Z', finishedAt: '2026-03-01T09:13:00.240Z', durationMs: 240, claimed: 3, done: 3, failed: 0, instance: 'worker-1:4242:a1b2c3' },
      nextRunAt: '2026-03-01T09:13:10.000Z',
      backlog: { open: 41, due: 0, claimed: 0, parked: 0, oldestDueAgeSeconds: null },
      failures: { runs: 0, tasks: 1, lastError: 'GATEWAY.TIMEOUT: jibit inquiry timed out', lastErrorAt: '2026-03-01T08:55:10.000Z' },
      totals: { runs: 5210, claimed: 880, done: 879, failed: 1 },
    },
  ],
};

/** Every scheduled job: last run, next run, backlog of due tasks, failures — across all worker instances. */
@ApiTags('ops')
@ApiBearerAuth()
@RequireRole('ops')
@Controller('v1/ops/jobs')
export class JobsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get()
  @ApiOperation({ summary: 'Scheduled jobs: last run, next run, backlog, failures' })
  @ApiResponse({ status: 200, schema: { example: EXAMPLE } })
  async list(): Promise<{ jobs: JobView[] }> {
    return { jobs: await jobViews(this.pool, this.clock.now(), this.config.jobs) };
  }
}
