import { Controller, Get, Header, Inject } from '@nestjs/common';
import { ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { renderMetrics } from '@payledger/jobs';
import { Clock } from '@payledger/kernel';

/**
 * Prometheus text format, without a key, like /health (no payment data: counts, durations, backlog).
 * This process's in-memory figures (with `npm start` those include the worker's) plus the job figures
 * every worker keeps in PostgreSQL.
 */
@ApiTags('service')
@Controller()
export class MetricsController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  @Get('metrics')
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @Header('cache-control', 'no-store')
  @ApiOperation({ summary: 'Metrics in the Prometheus text format (jobs: runs, backlog, oldest due task, gateway call latency)' })
  @ApiProduces('text/plain')
  metrics(): Promise<string> {
    return renderMetrics(this.pool, this.clock.now());
  }
}
