import { Pool, types } from 'pg';
import { DataSource } from 'typeorm';
import { MIGRATIONS } from '../../../migrations';

// bigint (int8) columns arrive as BigInt, never as a lossy Number or a string to forget to convert.
types.setTypeParser(20, (value: string) => BigInt(value));

export function createDataSource(url: string, poolSizeMax = 20): DataSource {
  return new DataSource({
    type: 'postgres',
    url,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: poolSizeMax, application_name: 'payledger' },
  });
}

/** The pg pool under TypeORM's driver: the event store and projections speak SQL to it directly. */
export function poolOf(dataSource: DataSource): Pool {
  const driver = dataSource.driver as unknown as { master?: Pool };
  if (!driver.master) throw new Error('the data source is not initialised');
  return driver.master;
}

export async function runMigrations(dataSource: DataSource): Promise<string[]> {
  const applied = await dataSource.runMigrations({ transaction: 'each' });
  return applied.map((m) => m.name);
}
