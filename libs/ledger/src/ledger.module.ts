import { DynamicModule, Inject, Injectable, Logger, Module, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { EventStore, PostgresEventStore, SubscriptionRunner } from '@payledger/event-store';
import { LedgerQueries } from './ledger.queries';
import { LedgerProjectionDefinition, ledgerProjections, LIVE_BATCH_SIZE } from './ledger.projections';
import { PaymentFold } from './payments-view.projection';
import { ProjectionRebuilder } from './projection.rebuilder';

export const LEDGER_PROJECTIONS = Symbol('LEDGER_PROJECTIONS');

export interface LedgerModuleOptions {
  /** libs/payments `foldPayment`: the payments view is the decider's own state. */
  foldPayment: PaymentFold;
}

/** The finance read side and rebuilds (api, cli). Needs DatabaseModule and EventStoreModule. */
@Module({})
export class LedgerModule {
  static forRoot(options: LedgerModuleOptions): DynamicModule {
    return {
      module: LedgerModule,
      providers: [
        { provide: LEDGER_PROJECTIONS, useFactory: (store: PostgresEventStore) => ledgerProjections({ store, foldPayment: options.foldPayment }), inject: [PostgresEventStore] },
        { provide: LedgerQueries, useFactory: (pool: Pool, store: EventStore) => new LedgerQueries(pool, store), inject: [PG_POOL, EventStore] },
        {
          provide: ProjectionRebuilder,
          useFactory: (pool: Pool, store: PostgresEventStore, projections: LedgerProjectionDefinition[]) => {
            const logger = new Logger('projections');
            return new ProjectionRebuilder(pool, store, projections, { log: (line) => logger.log(line) });
          },
          inject: [PG_POOL, PostgresEventStore, LEDGER_PROJECTIONS],
        },
      ],
      exports: [LEDGER_PROJECTIONS, LedgerQueries, ProjectionRebuilder],
    };
  }
}

/** Runs every ledger projection as a live subscriber while the app runs (one active instance each, by advisory lock). */
@Injectable()
export class LedgerSubscribers implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('ledger');
  private readonly runners: SubscriptionRunner[];

  constructor(@Inject(PG_POOL) pool: Pool, store: PostgresEventStore, @Inject(LEDGER_PROJECTIONS) projections: LedgerProjectionDefinition[]) {
    this.runners = projections.map(
      (p) => new SubscriptionRunner(pool, store, p.handler(p.tables, p.name, LIVE_BATCH_SIZE), { log: (line) => this.logger.log(line) }),
    );
  }

  onApplicationBootstrap(): void {
    for (const runner of this.runners) runner.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all(this.runners.map((r) => r.stop()));
  }
}

/** For the worker: the projections, kept current by live subscribers. */
@Module({})
export class LedgerSubscribersModule {
  static forRoot(options: LedgerModuleOptions): DynamicModule {
    return {
      module: LedgerSubscribersModule,
      providers: [
        { provide: LEDGER_PROJECTIONS, useFactory: (store: PostgresEventStore) => ledgerProjections({ store, foldPayment: options.foldPayment }), inject: [PostgresEventStore] },
        LedgerSubscribers,
      ],
      exports: [LedgerSubscribers],
    };
  }
}
