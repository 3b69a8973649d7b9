import type { AppConfig } from '@payledger/config';
import { openDatabase } from '@payledger/database';
import { PostgresEventStore, subscriptionLag } from '@payledger/event-store';
import { isDomainError } from '@payledger/kernel';
import { ledgerProjections, ProjectionRebuilder, rebuildSubscriptionName } from '@payledger/ledger';
import { foldPayment } from '@payledger/payments';
import { LineLogger, onShutdown } from '@payledger/runtime';

const PROGRESS_INTERVAL_MS = 5000;

/**
 * `payledger rebuild-projection <name|all>`: replays every event into shadow tables and swaps them in,
 * with the worker running or not. Returns the exit code.
 */
export async function rebuildProjection(config: AppConfig, name: string | undefined, log: LineLogger): Promise<number> {
  const database = await openDatabase(config.database, { migrate: true });
  onShutdown('database', () => database.close());
  const store = new PostgresEventStore(database.pool);
  const projections = ledgerProjections({ store, foldPayment });
  const names = projections.map((p) => p.name);
  if (!name || (name !== 'all' && !names.includes(name as never))) {
    process.stderr.write(`${name ? `no projection ${name}\n` : ''}usage: payledger rebuild-projection <${[...names, 'all'].join('|')}>\n`);
    return 2;
  }
  const rebuilder = new ProjectionRebuilder(database.pool, store, projections, { log: (line) => log.info(line) });
  for (const target of name === 'all' ? names : [name]) {
    const progress = setInterval(() => {
      void subscriptionLag(database.pool).then((rows) => {
        const row = rows.find((r) => r.name === rebuildSubscriptionName(target));
        if (row) log.info(`rebuild ${target}: at position ${row.position}, ${row.lagEvents} events to go`);
      });
    }, PROGRESS_INTERVAL_MS);
    try {
      const result = await rebuilder.rebuild(target);
      process.stdout.write(`${target.padEnd(16)} ${result.eventsRead} events in ${(result.durationMs / 1000).toFixed(1)} s (${Math.round(result.eventsPerSecond)} events/s), swapped in at position ${result.checkpoint.position}\n`);
    } catch (error) {
      if (isDomainError(error)) {
        process.stderr.write(`${target}: ${error.message}\n`);
        return 1;
      }
      throw error;
    } finally {
      clearInterval(progress);
    }
  }
  return 0;
}
