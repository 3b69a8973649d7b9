import { Pool } from 'pg';
import { subscriptionLag } from '@payledger/event-store';

/** One subscriber as ops and /health see it; positions and lags are strings, as every bigint in JSON. */
export interface SubscriptionView {
  name: string;
  position: string;
  lagEvents: string;
  updatedAt: string;
  lastError: string | null;
}

export async function subscriptionViews(pool: Pool): Promise<SubscriptionView[]> {
  const rows = await subscriptionLag(pool);
  return rows.map((row) => ({
    name: row.name,
    position: row.position.toString(),
    lagEvents: row.lagEvents.toString(),
    updatedAt: row.updatedAt.toISOString(),
    lastError: row.lastError,
  }));
}
