import { Controller, Get, Inject } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { RequireRole } from '../auth/require-role.decorator';
import { SubscriptionView, subscriptionViews } from './subscription.view';

const EXAMPLE: { subscriptions: SubscriptionView[] } = {
  subscriptions: [{ name: 'kafka-relay', position: '18234', lagEvents: '0', updatedAt: '2026-03-01T09:05:00.120Z', lastError: null }],
};

/** Every event-store subscriber (the Kafka relay, projections): where its checkpoint stands and how far behind it is. */
@ApiTags('ops')
@ApiBearerAuth()
@RequireRole('ops')
@Controller('v1/ops/subscriptions')
export class SubscriptionsController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  @Get()
  @ApiOperation({ summary: 'Checkpoints and lag of every event-store subscriber' })
  @ApiResponse({ status: 200, schema: { example: EXAMPLE } })
  async list(): Promise<{ subscriptions: SubscriptionView[] }> {
    return { subscriptions: await subscriptionViews(this.pool) };
  }
}
