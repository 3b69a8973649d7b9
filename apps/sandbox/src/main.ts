import 'reflect-metadata';
import { loadConfig } from '@payledger/config';
import { LineLogger, onShutdown, runMain } from '@payledger/runtime';
import { createConfiguredSandbox, describeSandbox } from './sandbox.server';

void runMain('sandbox', async () => {
  const config = loadConfig();
  const log = new LineLogger('sandbox', config.logLevel);
  const sandbox = createConfiguredSandbox(config);
  const { server } = await sandbox.listen(config.sandboxPort, config.host);
  onShutdown('sandbox', () => new Promise<void>((resolve) => server.close(() => resolve())));
  for (const line of describeSandbox(config, sandbox)) log.info(line);
});
