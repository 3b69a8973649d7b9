import 'reflect-metadata';
import { loadConfig } from '@payledger/config';
import { openDatabase } from '@payledger/database';
import { LineLogger, onShutdown, runMain } from '@payledger/runtime';
import { createApiApp } from './api.app';

void runMain('api', async () => {
  const config = loadConfig();
  const log = new LineLogger('api', config.logLevel);
  const database = await openDatabase(config.database, { migrate: true, log: (l) => log.debug(l) });
  onShutdown('database', () => database.close());
  const app = await createApiApp({ config, database }, log);
  onShutdown('api', () => app.close());
  await app.listen(config.port, config.host);
  log.info(`api listening on http://localhost:${config.port} (database ${database.displayUrl})`);
});
