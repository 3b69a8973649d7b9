import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AppConfig, ConfigModule } from '@payledger/config';
import { DatabaseModule, DatabaseRuntime } from '@payledger/database';
import { createRedactor, EventStoreModule } from '@payledger/event-store';
import { configuredSecrets } from '@payledger/runtime';
import { HealthController } from './health/health.controller';
import { ErrorBodyFilter } from './http/error-body.filter';

export interface ApiModuleDeps {
  config: AppConfig;
  database: Pick<DatabaseRuntime, 'dataSource' | 'pool'>;
}

/** The HTTP edge: controllers and guards only; everything else comes from libs. */
@Module({})
export class ApiModule {
  static forRoot(deps: ApiModuleDeps): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(deps.config),
        DatabaseModule.forRuntime(deps.database),
        EventStoreModule.forRoot({ pool: deps.database.pool, redact: createRedactor({ secretValues: configuredSecrets(deps.config) }) }),
      ],
      controllers: [HealthController],
      providers: [{ provide: APP_FILTER, useClass: ErrorBodyFilter }],
    };
  }
}
