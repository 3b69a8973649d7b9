import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { LineLogger } from '@payledger/runtime';
import { ApiModule, ApiModuleDeps } from './api.module';
import { ApiKeyStore } from './auth/api-key.store';

/** Builds the api application (not listening yet): used by main, `npm start` and the e2e tests. */
export async function createApiApp(deps: ApiModuleDeps, logger: LineLogger | false = new LineLogger('api', deps.config.logLevel)): Promise<INestApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(deps), {
    logger: logger === false ? false : logger,
    bodyParser: false,
    // Gateways sign and encrypt their notices over the exact bytes sent; adapters need them unparsed too.
    rawBody: true,
  });
  app.disable('x-powered-by');
  app.set('trust proxy', 'loopback');
  app.useBodyParser('json', { limit: '256kb' });
  app.useBodyParser('urlencoded', { extended: false, limit: '64kb' });
  app.enableShutdownHooks();

  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('payledger')
      .setDescription('Payments through five gateways with an event-sourced, double-entry ledger. Amounts are strings of integer minor units.')
      .setVersion('1')
      .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'an API key: merchant, finance or ops' })
      .build(),
  );
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });

  const generated = await app.get(ApiKeyStore).bootstrap(deps.config.apiKeys);
  if (generated.length > 0 && logger !== false) {
    logger.log('No API_KEYS configured: created one key per role. They are stored hashed and shown only now:');
    for (const { role, key } of generated) logger.log(`  ${role.padEnd(8)} ${key}`);
  }
  return app;
}
