import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { subscriptionLag } from '@payledger/event-store';

@Controller()
export class HealthController {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  /** Database reachability and every subscriber's lag; 503 when the database does not answer. */
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const started = Date.now();
    try {
      await this.pool.query('SELECT 1');
      const subscriptions = await subscriptionLag(this.pool);
      res.status(200).json({
        status: 'ok',
        database: { status: 'up', latencyMs: Date.now() - started },
        subscriptions: subscriptions.map((s) => ({ name: s.name, lagEvents: s.lagEvents.toString(), updatedAt: s.updatedAt, lastError: s.lastError })),
      });
    } catch (error) {
      res.status(503).json({ status: 'down', database: { status: 'down', error: error instanceof Error ? error.message : String(error) } });
    }
  }
}
