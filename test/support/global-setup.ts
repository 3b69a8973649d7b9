import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { createDataSource, EmbeddedPostgresHandle, runMigrations, startEmbeddedPostgres } from '../../libs/database/src';
import { freePort } from './free-port';

/**
 * Starts one PostgreSQL for the whole jest run (embedded, or the server in DATABASE_URL), migrates a
 * template database once, and tells test workers where it is. Each suite clones the template
 * (test/support/database.ts), so suites never see each other's rows.
 * Both database projects (integration, e2e) call this; the second call reuses the first server.
 */
interface SharedState {
  handle?: EmbeddedPostgresHandle;
  dataDir?: string;
  users: number;
}
const globalState = globalThis as unknown as { __payledgerPostgres?: SharedState };

export default async function globalSetup(): Promise<void> {
  if (globalState.__payledgerPostgres) {
    globalState.__payledgerPostgres.users += 1;
    return;
  }
  const state: SharedState = { users: 1 };
  globalState.__payledgerPostgres = state;

  let adminUrl = process.env.DATABASE_URL;
  if (!adminUrl) {
    state.dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payledger-test-pg-'));
    state.handle = await startEmbeddedPostgres({
      dataDir: path.join(state.dataDir, 'data'),
      port: await freePort(),
      durable: false,
    });
    adminUrl = state.handle.adminUrl;
  }
  const template = `payledger_template_${process.pid}`;
  const admin = new Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${template}`);
    await admin.query(`CREATE DATABASE ${template}`);
  } finally {
    await admin.end();
  }
  const templateUrl = withDatabase(adminUrl, template);
  const dataSource = createDataSource(templateUrl, 2);
  await dataSource.initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.env.PAYLEDGER_TEST_ADMIN_URL = adminUrl;
  process.env.PAYLEDGER_TEST_TEMPLATE = template;
}

export async function releaseSharedPostgres(): Promise<void> {
  const state = globalState.__payledgerPostgres;
  if (!state) return;
  state.users -= 1;
  if (state.users > 0) return;
  globalState.__payledgerPostgres = undefined;
  const adminUrl = process.env.PAYLEDGER_TEST_ADMIN_URL;
  if (adminUrl && !state.handle) {
    // An external server: leave it as found, minus our template.
    const admin = new Client({ connectionString: adminUrl });
    await admin.connect();
    await admin.query(`DROP DATABASE IF EXISTS ${process.env.PAYLEDGER_TEST_TEMPLATE}`).catch(() => undefined);
    await admin.end();
  }
  await state.handle?.stop();
  if (state.dataDir) fs.rmSync(state.dataDir, { recursive: true, force: true });
}

export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

