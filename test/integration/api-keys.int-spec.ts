import { ApiKeyStore, hashApiKey } from '../../apps/api/src/auth/api-key.store';
import { createTestDatabase, TestDatabase } from '../support/database';

describe('API keys', () => {
  let db: TestDatabase;
  beforeEach(async () => {
    db = await createTestDatabase();
  });
  afterEach(() => db.drop());

  it('with none configured, the first start makes one key per role, stores only hashes, and never again', async () => {
    const store = new ApiKeyStore(db.pool);
    const generated = await store.bootstrap([]);
    expect(generated.map((k) => k.role)).toEqual(['merchant', 'finance', 'ops']);
    const rows = await db.pool.query<{ key_hash: string }>('SELECT key_hash FROM api_keys');
    const stored = JSON.stringify(rows.rows);
    for (const { key } of generated) {
      expect(stored).not.toContain(key);
      expect(rows.rows.map((r) => r.key_hash)).toContain(hashApiKey(key));
      expect(await store.authenticate(key)).toMatchObject({ role: generated.find((g) => g.key === key)!.role });
    }
    expect(await new ApiKeyStore(db.pool).bootstrap([])).toEqual([]);
  });

  it('two processes booting at once on an empty database make one set of keys', async () => {
    const [a, b] = await Promise.all([new ApiKeyStore(db.pool).bootstrap([]), new ApiKeyStore(db.pool).bootstrap([])]);
    expect(a.length + b.length).toBe(3);
    expect((await db.pool.query('SELECT 1 FROM api_keys')).rowCount).toBe(3);
  });

  it('configured keys are used as given and nothing is generated; unknown and revoked keys fail', async () => {
    const store = new ApiKeyStore(db.pool);
    expect(await store.bootstrap([{ role: 'finance', key: 'finance-secret-key-123' }])).toEqual([]);
    expect(await store.authenticate('finance-secret-key-123')).toMatchObject({ role: 'finance', keyId: expect.stringMatching(/^key_[0-9a-f]{12}$/) });
    expect(await store.authenticate('finance-secret-key-124')).toBeUndefined();
    await db.pool.query(`INSERT INTO api_keys (key_id, role, key_hash, revoked_at) VALUES ('key_revoked', 'ops', $1, now())`, [hashApiKey('revoked-key')]);
    expect(await store.authenticate('revoked-key')).toBeUndefined();
  });
});
