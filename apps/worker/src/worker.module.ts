import { DynamicModule, Module } from '@nestjs/common';
import { ScheduleModule } from '@nestjs/schedule';
import { AppConfig, ConfigModule } from '@payledger/config';
import { DatabaseModule, DatabaseRuntime } from '@payledger/database';
import { createRedactor, EventStoreModule } from '@payledger/event-store';
import { PaymentLookupProjection } from '@payledger/payments';
import { configuredSecrets } from '@payledger/runtime';

export interface WorkerModuleDeps {
  config: AppConfig;
  database: Pick<DatabaseRuntime, 'dataSource' | 'pool'>;
}

/** Scheduled jobs and event-store subscribers. Any number of instances may run; each job is safe with several. */
@Module({})
export class WorkerModule {
  static forRoot(deps: WorkerModuleDeps): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(deps.config),
        DatabaseModule.forRuntime(deps.database),
        // Jobs append payment events too: the same inline lookups as the api, in the same transaction.
        EventStoreModule.forRoot({ pool: deps.database.pool, redact: createRedactor({ secretValues: configuredSecrets(deps.config) }), inlineProjections: [new PaymentLookupProjection()] }),
        ScheduleModule.forRoot(),
      ],
    };
  }
}
