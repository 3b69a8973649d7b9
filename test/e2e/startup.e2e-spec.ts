import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { assertBuilt, isAlive, runCli, startCli, waitForExit } from '../support/processes';
import { freePort } from '../support/free-port';

beforeAll(() => assertBuilt());


describe('startup failures: one clear line, non-zero exit', () => {
  it('names every bad configuration variable', async () => {
    const result = await runCli(['migrate'], { PORT: 'abc', KAFKA_BROKERS: 'nohost' });
    expect(result.code).toBe(1);
    const lines = result.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/^payledger cli: invalid configuration: PORT must be an integer.*KAFKA_BROKERS entries must be host:port/);
  });

  it('says which database it could not reach, without its password', async () => {
    const result = await runCli(['migrate'], { DATABASE_URL: 'postgres://someone:hunter2secret@127.0.0.1:1/nothing' });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe('payledger cli: could not connect to PostgreSQL at postgres://someone:***@127.0.0.1:1/nothing: connect ECONNREFUSED 127.0.0.1:1');
  });

  it('reports a failed migration in one line', async () => {
    const admin = new Client({ connectionString: process.env.PAYLEDGER_TEST_ADMIN_URL });
    await admin.connect();
    const name = `broken_${process.pid}`;
    await admin.query(`DROP DATABASE IF EXISTS ${name}`);
    await admin.query(`CREATE DATABASE ${name}`);
    await admin.end();
    const url = new URL(process.env.PAYLEDGER_TEST_ADMIN_URL!);
    url.pathname = `/${name}`;
    // A table in the way of the first migration.
    const blocker = new Client({ connectionString: url.toString() });
    await blocker.connect();
    await blocker.query(`CREATE TABLE events (id int)`);
    await blocker.end();
    const result = await runCli(['migrate'], { DATABASE_URL: url.toString() });
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toMatch(/^payledger cli: database migration failed: .*relation "events" already exists$/);
  });
});

describe('npm start (serve) on a fresh data directory', () => {
  it('starts the embedded PostgreSQL, serves /health and the sandbox, and stops everything on SIGTERM', async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'payledger-serve-'));
    const [port, sandboxPort, pgPort] = [await freePort(), await freePort(), await freePort()];
    const { child, output } = await startCli(
      ['serve'],
      { DATA_DIR: dataDir, PORT: String(port), SANDBOX_PORT: String(sandboxPort), EMBEDDED_POSTGRES_PORT: String(pgPort) },
      /payledger is running[\s\S]*Ctrl-C/,
    );
    try {
      expect(output()).toContain(`postgres     postgres://payledger:payledger@127.0.0.1:${pgPort}/payledger`);
      const health = await fetch(`http://127.0.0.1:${port}/health`);
      expect(health.status).toBe(200);
      expect(await health.json()).toMatchObject({ status: 'ok', database: { status: 'up' } });
      const sandbox = await fetch(`http://127.0.0.1:${sandboxPort}/_sandbox`);
      expect(sandbox.status).toBe(200);
      const unknown = await fetch(`http://127.0.0.1:${port}/no-such-route`);
      expect(unknown.status).toBe(404);
      expect(await unknown.json()).toEqual({ error: { code: 'ROUTE.NOT_FOUND', message: 'Cannot GET /no-such-route' } });
    } finally {
      const pidFile = path.join(dataDir, 'postgres', 'postmaster.pid');
      const postgresPid = Number(fs.readFileSync(pidFile, 'utf8').split('\n')[0]);
      expect(isAlive(postgresPid)).toBe(true);
      child.kill('SIGTERM');
      expect(await waitForExit(child)).toBe(0);
      expect(isAlive(postgresPid)).toBe(false);
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
