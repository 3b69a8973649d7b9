import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { createDataSource, EmbeddedPostgresHandle, poolOf, runMigrations, startEmbeddedPostgres } from '@payledger/database';
import { DataSource } from 'typeorm';
import { freePort } from '../test/support/free-port';

/** A fresh, durable PostgreSQL for a benchmark (or DATABASE_URL's server), migrated. */
export async function benchDatabase(): Promise<{ dataSource: DataSource; close: () => Promise<void>; where: string }> {
  let handle: EmbeddedPostgresHandle | undefined;
  let dir: string | undefined;
  let url = process.env.DATABASE_URL;
  if (!url) {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'payledger-bench-'));
    handle = await startEmbeddedPostgres({ dataDir: path.join(dir, 'data'), port: await freePort(), durable: true });
    await handle.ensureDatabase('bench');
    url = handle.urlFor('bench');
  }
  const dataSource = createDataSource(url, 64);
  await dataSource.initialize();
  await runMigrations(dataSource);
  return {
    dataSource,
    where: handle ? 'embedded PostgreSQL (fsync on, synchronous_commit on)' : 'DATABASE_URL',
    async close() {
      await dataSource.destroy();
      await handle?.stop();
      if (dir) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

export { poolOf };

export function percentile(sortedMs: number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)];
}


export function table(rows: Array<Record<string, string | number>>): string {
  const headers = Object.keys(rows[0] ?? {});
  const widths = headers.map((h) => Math.max(h.length, ...rows.map((r) => String(r[h]).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i])).join('  ');
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...rows.map((r) => line(headers.map((h) => String(r[h]))))].join('\n');
}
