import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource, poolOf } from '@payledger/database';

export interface TestDatabase {
  name: string;
  url: string;
  dataSource: DataSource;
  pool: Pool;
  /** Closes every connection and drops the database. */
  drop(): Promise<void>;
}

function settings(): { adminUrl: string; template: string } {
  const adminUrl = process.env.PAYLEDGER_TEST_ADMIN_URL;
  const template = process.env.PAYLEDGER_TEST_TEMPLATE;
  if (!adminUrl || !template) throw new Error('no test PostgreSQL: run this suite through jest (integration or e2e project)');
  return { adminUrl, template };
}

async function admin<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: settings().adminUrl });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A fresh, migrated database cloned from the template that the global setup prepared. */
export async function createTestDatabase(poolSizeMax = 10): Promise<TestDatabase> {
  const { adminUrl, template } = settings();
  const name = `t_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name} TEMPLATE ${template}`));
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dataSource = createDataSource(url.toString(), poolSizeMax);
  await dataSource.initialize();
  return {
    name,
    url: url.toString(),
    dataSource,
    pool: poolOf(dataSource),
    async drop() {
      if (dataSource.isInitialized) await dataSource.destroy();
      await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`));
    },
  };
}
