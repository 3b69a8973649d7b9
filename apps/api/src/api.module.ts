import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import type { Pool } from 'pg';
import { AppConfig, ConfigModule } from '@payledger/config';
import { DatabaseModule, DatabaseRuntime } from '@payledger/database';
import { createRedactor, EventStoreModule } from '@payledger/event-store';
import { PostgresTokenStore } from '@payledger/gateways';
import { KafkaHealthModule } from '@payledger/messaging';
import { PaymentLookupProjection, PaymentsModule, PaymentsModuleOptions } from '@payledger/payments';
import { configuredSecrets } from '@payledger/runtime';
import { ApiKeyGuard } from './auth/api-key.guard';
import { ApiKeyStore } from './auth/api-key.store';
import { CallbacksController } from './callbacks/callbacks.controller';
import { HealthController } from './health/health.controller';
import { FinanceModule } from './finance/finance.module';
import { ErrorBodyFilter } from './http/error-body.filter';
import { IdempotencyService } from './http/idempotency.service';
import { MetricsController } from './metrics/metrics.controller';
import { JobsController } from './ops/jobs.controller';
import { SubscriptionsController } from './ops/subscriptions.controller';
import { PaymentsController } from './payments/payments.controller';
import { PayoutsController } from './payments/payouts.controller';

export interface ApiModuleDeps {
  config: AppConfig;
  database: Pick<DatabaseRuntime, 'dataSource' | 'pool'>;
  /** Tests swap the clock, the adapters (short timeouts, the sandbox's clock) or the sleep. */
  payments?: Partial<Omit<PaymentsModuleOptions, 'config' | 'pool'>>;
}

/** The HTTP edge: controllers and guards only; everything else comes from libs. */
@Module({})
export class ApiModule {
  static forRoot(deps: ApiModuleDeps): DynamicModule {
    const pool = deps.database.pool as Pool;
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(deps.config),
        DatabaseModule.forRuntime(deps.database),
        EventStoreModule.forRoot({ pool, redact: createRedactor({ secretValues: configuredSecrets(deps.config) }), inlineProjections: [new PaymentLookupProjection()] }),
        PaymentsModule.forRoot({ config: deps.config, pool, tokenStore: new PostgresTokenStore(pool), ...deps.payments }),
        KafkaHealthModule.forRoot(),
        FinanceModule,
      ],
      controllers: [HealthController, PaymentsController, PayoutsController, CallbacksController, SubscriptionsController, JobsController, MetricsController],
      providers: [
        { provide: APP_FILTER, useClass: ErrorBodyFilter },
        { provide: ApiKeyStore, useValue: new ApiKeyStore(pool) },
        { provide: APP_GUARD, useClass: ApiKeyGuard },
        IdempotencyService,
      ],
    };
  }
}
