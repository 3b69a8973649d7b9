import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { LineLogger } from '@payledger/runtime';
import { WorkerModule, WorkerModuleDeps } from './worker.module';

export async function createWorkerApp(deps: WorkerModuleDeps, logger: LineLogger | false = new LineLogger('worker', deps.config.logLevel)): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(deps), { logger: logger === false ? false : logger });
  app.enableShutdownHooks();
  return app;
}
