import { createRedactor, PostgresEventStore } from '@payledger/event-store';
import { LedgerQueries } from '@payledger/ledger';
import { createTestDatabase, TestDatabase } from '../support/database';
import { PaymentEventDriver } from '../support/ledger-driver';
import { assertBuilt, runCli } from '../support/processes';

let db: TestDatabase;

beforeAll(() => assertBuilt());
beforeEach(async () => {
  db = await createTestDatabase(5);
});
afterEach(async () => {
  await db.drop();
});

describe('payledger rebuild-projection', () => {
  it('rebuilds every ledger projection from position zero and says how it went', async () => {
    const store = new PostgresEventStore(db.pool, { redact: createRedactor() });
    const driver = new PaymentEventDriver(store);
    const paymentId = await driver.pay('mispay', 21_500);
    await driver.refund(paymentId, 1_500);
    await driver.payout(5_000);

    const result = await runCli(['rebuild-projection', 'all'], { DATABASE_URL: db.url, LOG_LEVEL: 'error' });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    const lines = result.stdout.trim().split('\n');
    expect(lines.map((l) => l.split(/\s+/)[0])).toEqual(['ledger-journal', 'payments-view', 'daily-summary']);
    for (const line of lines) expect(line).toMatch(/ \d+ events in [\d.]+ s \(\d+ events\/s\), swapped in at position \d+$/);

    const balances = await new LedgerQueries(db.pool, store).balances();
    expect(balances.find((b) => b.account === 'gateway:mispay:clearing')?.balanceMinor).toBe('20000');
    expect(balances.find((b) => b.account === 'payouts:mocasa')?.balanceMinor).toBe('5000');
  });

  it('names the projections when asked for one that does not exist', async () => {
    const result = await runCli(['rebuild-projection', 'ledger'], { DATABASE_URL: db.url, LOG_LEVEL: 'error' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('usage: payledger rebuild-projection <ledger-journal|payments-view|daily-summary|all>');
  });
});
