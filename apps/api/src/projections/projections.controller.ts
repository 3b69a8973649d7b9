import { Controller, Get, HttpCode, Inject, Logger, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { subscriptionLag } from '@payledger/event-store';
import { LEDGER_PROJECTIONS, LedgerProjectionDefinition, ProjectionRebuilder, projectionNamed, RebuildStatus } from '@payledger/ledger';
import { RequireRole } from '../auth/require-role.decorator';
import { PROJECTION_EXAMPLE } from '../finance/finance.examples';

interface ProjectionView {
  name: string;
  description: string;
  tables: string[];
  position: string | null;
  lagEvents: string | null;
  lastError: string | null;
  rebuild: RebuildStatus;
}

/** Ops: the ledger projections, their checkpoints and lag, and rebuilding one from position zero. */
@ApiTags('ops')
@ApiBearerAuth()
@ApiResponse({ status: 401, description: 'AUTH.UNAUTHENTICATED' })
@ApiResponse({ status: 403, description: 'AUTH.FORBIDDEN: not an ops key' })
@RequireRole('ops')
@Controller('v1/ops/projections')
export class ProjectionsController {
  private readonly logger = new Logger('projections');

  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(ProjectionRebuilder) private readonly rebuilder: ProjectionRebuilder,
    @Inject(LEDGER_PROJECTIONS) private readonly projections: LedgerProjectionDefinition[],
  ) {}

  @Get()
  @ApiOperation({ summary: 'Every ledger projection with its checkpoint, lag and last rebuild' })
  @ApiResponse({ status: 200, schema: { example: { data: [PROJECTION_EXAMPLE] } } })
  async list(): Promise<{ data: ProjectionView[] }> {
    return { data: await Promise.all(this.projections.map((p) => this.view(p))) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One projection: checkpoint, lag, and how its last rebuild went' })
  @ApiParam({ name: 'name', enum: ['ledger-journal', 'payments-view', 'daily-summary'] })
  @ApiResponse({ status: 200, schema: { example: PROJECTION_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'PROJECTION.NOT_FOUND' })
  async one(@Param('name') name: string): Promise<ProjectionView> {
    return this.view(projectionNamed(this.projections, name));
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @ApiOperation({
    summary: 'Rebuild a projection from position zero',
    description:
      'Replays every event into shadow tables in short batches while the live projection keeps serving, then swaps them in within one short transaction. Answers at once; follow progress at GET /v1/ops/projections/:name (rebuild.state, and the `<name>~rebuild` subscription in /health).',
  })
  @ApiParam({ name: 'name', enum: ['ledger-journal', 'payments-view', 'daily-summary'] })
  @ApiResponse({ status: 202, schema: { example: { name: 'ledger-journal', state: 'running', statusUrl: '/v1/ops/projections/ledger-journal' } } })
  @ApiResponse({ status: 404, description: 'PROJECTION.NOT_FOUND' })
  @ApiResponse({ status: 409, description: 'PROJECTION.REBUILD_RUNNING: a rebuild of it is already running' })
  async rebuild(@Param('name') name: string): Promise<{ name: string; state: 'running'; statusUrl: string }> {
    const running = await this.rebuilder.start(name);
    running.completion.then(
      (result) => this.logger.log(`rebuilt ${name}: ${result.eventsRead} events in ${Math.round(result.durationMs)} ms`),
      (error: unknown) => this.logger.error(`rebuild of ${name} failed: ${error instanceof Error ? error.message : String(error)}`),
    );
    return { name, state: 'running', statusUrl: `/v1/ops/projections/${name}` };
  }

  private async view(projection: LedgerProjectionDefinition): Promise<ProjectionView> {
    const lag = (await subscriptionLag(this.pool)).find((s) => s.name === projection.name);
    return {
      name: projection.name,
      description: projection.description,
      tables: Object.values(projection.tables),
      position: lag ? lag.position.toString() : null,
      lagEvents: lag ? lag.lagEvents.toString() : null,
      lastError: lag?.lastError ?? null,
      rebuild: await this.rebuilder.status(projection.name),
    };
  }
}
