import { DynamicModule, Logger, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { APP_CONFIG, AppConfig } from '@payledger/config';
import { PG_POOL } from '@payledger/database';
import { PostgresEventStore } from '@payledger/event-store';
import { KafkaHealthProbe } from './kafka-health.probe';
import { KafkaRelayService, KafkaRelayServiceOptions } from './kafka-relay.service';

export type KafkaRelayModuleOptions = Pick<KafkaRelayServiceOptions, 'subscription' | 'connection' | 'batchSizeMax'>;

function relayLogger(): KafkaRelayServiceOptions['log'] {
  const logger = new Logger('kafka-relay');
  return (level, message) => (level === 'warn' ? logger.warn(message) : logger.log(message));
}

/**
 * The worker's Kafka relay: starts with the module (idle without KAFKA_BROKERS), stops on shutdown.
 * Needs the global config, database and event-store modules.
 */
@Module({})
export class KafkaRelayModule {
  static forRoot(options: KafkaRelayModuleOptions = {}): DynamicModule {
    return {
      module: KafkaRelayModule,
      providers: [
        {
          provide: KafkaRelayService,
          inject: [APP_CONFIG, PG_POOL, PostgresEventStore],
          useFactory: (config: AppConfig, pool: Pool, store: PostgresEventStore) =>
            new KafkaRelayService({ kafka: config.kafka, pool, store, log: relayLogger(), ...options }),
        },
      ],
      exports: [KafkaRelayService],
    };
  }
}

/** The api's view of Kafka for /health: a cached connectivity probe (not configured without KAFKA_BROKERS). */
@Module({})
export class KafkaHealthModule {
  static forRoot(): DynamicModule {
    return {
      module: KafkaHealthModule,
      providers: [
        {
          provide: KafkaHealthProbe,
          inject: [APP_CONFIG],
          useFactory: (config: AppConfig) => new KafkaHealthProbe({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-health` }),
        },
      ],
      exports: [KafkaHealthProbe],
    };
  }
}
