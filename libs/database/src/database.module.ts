import { DynamicModule, Global, Module } from '@nestjs/common';
import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { DatabaseRuntime } from './database-runtime';

/** The pg pool under TypeORM, for code that speaks SQL (event store, projections, job claims). */
export const PG_POOL = Symbol('PG_POOL');

@Global()
@Module({})
export class DatabaseModule {
  static forRuntime(runtime: Pick<DatabaseRuntime, 'dataSource' | 'pool'>): DynamicModule {
    return {
      module: DatabaseModule,
      providers: [
        { provide: DataSource, useValue: runtime.dataSource },
        { provide: PG_POOL, useValue: runtime.pool as Pool },
      ],
      exports: [DataSource, PG_POOL],
    };
  }
}
