import type { AppConfig } from '@payledger/config';
import { openDatabase } from '@payledger/database';
import { LineLogger, onShutdown } from '@payledger/runtime';
import { createApiApp } from '../../api/src/api.app';
import { createConfiguredSandbox, describeSandbox } from '../../sandbox/src/sandbox.server';
import { createWorkerApp } from '../../worker/src/worker.app';

/** api, worker and sandbox in one process on one database: the two-command start for newcomers. */
export async function serve(config: AppConfig): Promise<void> {
  const log = new LineLogger('payledger', config.logLevel);
  log.info(config.database.url ? 'connecting to DATABASE_URL' : `starting embedded PostgreSQL in ${config.database.embeddedDataDir}`);
  const database = await openDatabase(config.database, { migrate: true, log: (l) => log.debug(l) });
  onShutdown('database', () => database.close());
  if (database.appliedMigrations.length) log.info(`applied migrations: ${database.appliedMigrations.join(', ')}`);

  if (config.sandbox.enabled) {
    const sandbox = createConfiguredSandbox(config);
    const { server } = await sandbox.listen(config.sandboxPort, config.host);
    onShutdown('sandbox', () => new Promise<void>((resolve) => (server.closeAllConnections(), server.close(() => resolve()))));
    for (const line of describeSandbox(config, sandbox)) log.info(line);
  }

  const worker = await createWorkerApp({ config, database }, log.child('worker'));
  onShutdown('worker', () => worker.close());
  await worker.init();

  const api = await createApiApp({ config, database }, log.child('api'));
  onShutdown('api', () => api.close());
  await api.listen(config.port, config.host);

  const banner = [
    '',
    'payledger is running',
    `  api          http://localhost:${config.port}   (health: /health)`,
    `  public base  ${config.publicBaseUrl}   (where gateways and browsers reach the api)`,
    `  postgres     ${database.embedded ? database.url : database.displayUrl}${database.embedded ? '   (embedded; data kept in ' + config.database.embeddedDataDir + ')' : ''}`,
    `  kafka        ${config.kafka.brokers.length ? config.kafka.brokers.join(',') : 'not configured (events wait in the store; set KAFKA_BROKERS)'}`,
    'Ctrl-C stops everything, including the embedded PostgreSQL.',
    '',
  ];
  for (const line of banner) log.info(line);
}
