import 'reflect-metadata';
import { loadConfig } from '@payledger/config';
import { openDatabase } from '@payledger/database';
import { LineLogger, onShutdown, runMain } from '@payledger/runtime';
import { createWorkerApp } from './worker.app';

void runMain('worker', async () => {
  const config = loadConfig();
  const log = new LineLogger('worker', config.logLevel);
  const database = await openDatabase(config.database, { migrate: true, log: (l) => log.debug(l) });
  onShutdown('database', () => database.close());
  const app = await createWorkerApp({ config, database }, log);
  onShutdown('worker', () => app.close());
  await app.init();
  log.info(`worker running (database ${database.displayUrl})`);
});
