import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { LineLogger } from '@payledger/runtime';
import { ApiModule, ApiModuleDeps } from './api.module';

/** Builds the api application (not listening yet): used by main, `npm start` and the e2e tests. */
export async function createApiApp(deps: ApiModuleDeps, logger: LineLogger | false = new LineLogger('api', deps.config.logLevel)): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(deps), {
    logger: logger === false ? false : logger,
    bodyParser: false,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.useBodyParser('json', { limit: '256kb' });
  app.useBodyParser('urlencoded', { extended: false, limit: '64kb' });
  app.enableShutdownHooks();
  return app;
}
