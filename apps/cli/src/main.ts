import 'reflect-metadata';
import { loadConfig } from '@payledger/config';
import { openDatabase } from '@payledger/database';
import { subscriptionLag } from '@payledger/event-store';
import { LineLogger, onShutdown, runMain, shutdown } from '@payledger/runtime';
import { rebuildProjection } from './rebuild-projection.command';
import { serve } from './serve.command';

const USAGE = `usage: payledger <command>
  serve           api + worker + sandbox in one process (what \`npm start\` runs)
  migrate         apply database migrations and exit
  subscriptions   show every subscriber's checkpoint and lag
  rebuild-projection <name|all>
                  rebuild a ledger projection from position zero (ledger-journal, payments-view, daily-summary)`;

void runMain('cli', async () => {
  const [command] = process.argv.slice(2);
  const config = loadConfig();
  const log = new LineLogger('cli', config.logLevel);
  switch (command) {
    case 'serve':
      return serve(config);
    case 'migrate': {
      const database = await openDatabase(config.database, { migrate: true });
      onShutdown('database', () => database.close());
      log.info(database.appliedMigrations.length ? `applied ${database.appliedMigrations.join(', ')}` : 'schema is up to date');
      return shutdown(0);
    }
    case 'subscriptions': {
      const database = await openDatabase(config.database, { migrate: true });
      onShutdown('database', () => database.close());
      const rows = await subscriptionLag(database.pool);
      if (rows.length === 0) process.stdout.write('no subscriptions yet\n');
      for (const row of rows) {
        process.stdout.write(`${row.name.padEnd(32)} position ${row.position} lag ${row.lagEvents} updated ${row.updatedAt.toISOString()}${row.lastError ? ` error: ${row.lastError}` : ''}\n`);
      }
      return shutdown(0);
    }
    case 'rebuild-projection':
      return shutdown(await rebuildProjection(config, process.argv[3], log));
    default:
      process.stderr.write(`${command ? `unknown command ${command}\n` : ''}${USAGE}\n`);
      return shutdown(command ? 2 : 0);
  }
});
