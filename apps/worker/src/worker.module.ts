import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig, ConfigModule } from '@payledger/config';
import { DatabaseModule, DatabaseRuntime } from '@payledger/database';
import { createRedactor, EventStoreModule } from '@payledger/event-store';
import { KafkaRelayModule } from '@payledger/messaging';
import { LedgerSubscribersModule } from '@payledger/ledger';
import { PostgresTokenStore } from '@payledger/gateways';
import { foldPayment, PaymentLookupProjection, PaymentsModule, PaymentsModuleOptions } from '@payledger/payments';
import { configuredSecrets } from '@payledger/runtime';
import { JobsModule } from './jobs/jobs.module';
import type { JobsModuleOptions } from './jobs/jobs.service';

export interface WorkerModuleDeps {
  config: AppConfig;
  database: Pick<DatabaseRuntime, 'dataSource' | 'pool'>;
  /** As ApiModule's: tests swap the clock, the adapters (the sandbox's clock, short timeouts) or the sleep. */
  payments?: Partial<Omit<PaymentsModuleOptions, 'config' | 'pool'>>;
  /** Tests drive the jobs themselves (`schedule: false`, `runProjection: false`) and may name the instance. */
  jobs?: JobsModuleOptions;
}

/** Scheduled jobs and event-store subscribers. Any number of instances may run; each job is safe with several. */
@Module({})
export class WorkerModule {
  static forRoot(deps: WorkerModuleDeps): DynamicModule {
    // The jobs carry out their tasks through the same command handlers as the api, sharing its token store.
    const payments = PaymentsModule.forRoot({ config: deps.config, pool: deps.database.pool, tokenStore: new PostgresTokenStore(deps.database.pool), ...deps.payments });
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(deps.config),
        DatabaseModule.forRuntime(deps.database),
        // Jobs append payment events too: the same inline lookups as the api, in the same transaction.
        EventStoreModule.forRoot({ pool: deps.database.pool, redact: createRedactor({ secretValues: configuredSecrets(deps.config) }), inlineProjections: [new PaymentLookupProjection()] }),
        ScheduleModule.forRoot(),
        KafkaRelayModule.forRoot(),
        LedgerSubscribersModule.forRoot({ foldPayment }),
        payments,
        JobsModule.forRoot(payments, deps.jobs),
      ],
    };
  }
}
