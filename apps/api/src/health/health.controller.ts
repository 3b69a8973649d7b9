import { Controller, Get, Inject, Res } from '@nestjs/common';
import type { Response } from 'express';
import { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { KafkaHealthProbe, RELAY_SUBSCRIPTION_NAME } from '@payledger/messaging';
import { subscriptionViews } from '../ops/subscription.view';

@Controller()
export class HealthController {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject(KafkaHealthProbe) private readonly kafka: KafkaHealthProbe,
  ) {}

  /**
   * Database reachability, Kafka (when configured) with the relay's lag, every subscriber's lag.
   * 503 only when the database does not answer: without Kafka the api still takes payments (the store
   * is the outbox), so a broker outage or a failing relay makes the answer 200 `degraded`.
   */
  @Get('health')
  async health(@Res() res: Response): Promise<void> {
    const started = Date.now();
    try {
      await this.pool.query('SELECT 1');
      const databaseLatencyMs = Date.now() - started;
      const [subscriptions, kafka] = await Promise.all([subscriptionViews(this.pool), this.kafka.check()]);
      const relay = subscriptions.find((s) => s.name === RELAY_SUBSCRIPTION_NAME);
      const degraded = kafka.status === 'down' || (kafka.status === 'up' && relay?.lastError);
      res.status(200).json({
        status: degraded ? 'degraded' : 'ok',
        database: { status: 'up', latencyMs: databaseLatencyMs },
        kafka: { ...kafka, relay: relay ? { lagEvents: relay.lagEvents, updatedAt: relay.updatedAt, lastError: relay.lastError } : null },
        subscriptions: subscriptions.map((s) => ({ name: s.name, lagEvents: s.lagEvents, updatedAt: s.updatedAt, lastError: s.lastError })),
      });
    } catch (error) {
      res.status(503).json({ status: 'down', database: { status: 'down', error: error instanceof Error ? error.message : String(error) } });
    }
  }
}
