import { Pool } from 'pg';
import { DataSource } from 'typeorm';
import { createDataSource, poolOf, runMigrations } from './data-source';
import { EmbeddedPostgresHandle, startEmbeddedPostgres } from './embedded-postgres';

export interface DatabaseSettings {
  url: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  poolSizeMax: number;
}

export interface DatabaseRuntime {
  dataSource: DataSource;
  pool: Pool;
  /** The URL in use (embedded or DATABASE_URL), with the password hidden. */
  displayUrl: string;
  /** The full URL, for people who want to connect with psql (printed by `npm start` for the embedded one). */
  url: string;
  embedded: boolean;
  appliedMigrations: string[];
  close(): Promise<void>;
}

/** A boot failure with one line a person can act on. */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

const DATABASE_NAME = 'payledger';

/**
 * Opens the database the configuration names (DATABASE_URL, else an embedded PostgreSQL in DATA_DIR)
 * and brings its schema up to date.
 */
export async function openDatabase(settings: DatabaseSettings, options: { migrate: boolean; log?: (line: string) => void }): Promise<DatabaseRuntime> {
  const log = options.log ?? (() => undefined);
  let embedded: EmbeddedPostgresHandle | undefined;
  let url = settings.url;
  if (!url) {
    try {
      embedded = await startEmbeddedPostgres({ dataDir: settings.embeddedDataDir, port: settings.embeddedPort, durable: true, log: (l) => log(`postgres: ${l}`) });
      await embedded.ensureDatabase(DATABASE_NAME);
    } catch (error) {
      await embedded?.stop().catch(() => undefined);
      throw new StartupError(`could not start the embedded PostgreSQL in ${settings.embeddedDataDir}: ${message(error)}`);
    }
    url = embedded.urlFor(DATABASE_NAME);
  }
  const dataSource = createDataSource(url, settings.poolSizeMax);
  try {
    await dataSource.initialize();
  } catch (error) {
    await embedded?.stop().catch(() => undefined);
    throw new StartupError(`could not connect to PostgreSQL at ${hidePassword(url)}: ${message(error)}`);
  }
  let applied: string[] = [];
  if (options.migrate) {
    try {
      applied = await runMigrations(dataSource);
    } catch (error) {
      await dataSource.destroy().catch(() => undefined);
      await embedded?.stop().catch(() => undefined);
      throw new StartupError(`database migration failed: ${message(error)}`);
    }
  }
  let closed = false;
  return {
    dataSource,
    pool: poolOf(dataSource),
    url,
    displayUrl: hidePassword(url),
    embedded: embedded !== undefined,
    appliedMigrations: applied,
    async close() {
      if (closed) return;
      closed = true;
      await dataSource.destroy().catch(() => undefined);
      await embedded?.stop();
    },
  };
}

export function hidePassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    return parsed.toString();
  } catch {
    return '<unparseable url>';
  }
}

function message(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return text.split('\n')[0] || (error as { code?: string })?.code || 'unknown error';
}
