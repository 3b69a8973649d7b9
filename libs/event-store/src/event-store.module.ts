import { DynamicModule, Global, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { EventStore } from './event-store.port';
import { InlineProjection, PostgresEventStore } from './postgres-event-store';
import { Redactor } from './redaction';
import { UpcasterRegistry } from './upcasters';

export interface EventStoreModuleOptions {
  pool: Pool;
  redact: Redactor;
  upcasters?: UpcasterRegistry;
  inlineProjections?: InlineProjection[];
}

/** Provides the EventStore port (and the concrete store for subscribers) from one pool. */
@Global()
@Module({})
export class EventStoreModule {
  static forRoot(options: EventStoreModuleOptions): DynamicModule {
    const store = new PostgresEventStore(options.pool, {
      redact: options.redact,
      upcasters: options.upcasters,
      inlineProjections: options.inlineProjections,
    });
    return {
      module: EventStoreModule,
      providers: [
        { provide: PostgresEventStore, useValue: store },
        { provide: EventStore, useValue: store },
      ],
      exports: [PostgresEventStore, EventStore],
    };
  }
}
