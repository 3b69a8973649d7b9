import { createHash, timingSafeEqual } from 'node:crypto';
import type { Pool } from 'pg';
import { randomBase62 } from '@payledger/kernel';
import { Principal, Role, ROLES } from './require-role.decorator';

/** Keys look like `pl_merchant_<32 base62>`: the role is readable, the secret part is ~190 bits. */
export const API_KEY_SECRET_LENGTH = 32;

export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/** The public id of a key: a prefix of its hash, safe to log and to put in events. */
export function keyIdOf(hash: string): string {
  return `key_${hash.slice(0, 12)}`;
}

/**
 * API keys, stored only as SHA-256 hashes (the keys are long random strings, so a fast hash is enough:
 * there is nothing to brute-force). Configured keys (`API_KEYS`) are hashed in at boot.
 */
export class ApiKeyStore {
  private cache = new Map<string, Principal | null>();

  constructor(private readonly pool: Pool) {}

  /** Stores the configured keys; with none configured and none stored, makes one per role and returns them (shown once). */
  async bootstrap(configured: ReadonlyArray<{ role: Role; key: string }>): Promise<Array<{ role: Role; key: string }>> {
    for (const { role, key } of configured) await this.insert(role, key, 'API_KEYS');
    if (configured.length > 0) return [];
    const existing = await this.pool.query<{ n: string }>(`SELECT count(*)::text AS n FROM api_keys WHERE revoked_at IS NULL`);
    if (Number(existing.rows[0].n) > 0) return [];
    const generated = ROLES.map((role) => ({ role, key: `pl_${role}_${randomBase62(API_KEY_SECRET_LENGTH)}` }));
    // Two processes booting at once on an empty table: an advisory lock keeps it to one set of keys.
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SELECT pg_advisory_xact_lock(7302, 1)`);
      const again = await client.query<{ n: string }>(`SELECT count(*)::text AS n FROM api_keys WHERE revoked_at IS NULL`);
      if (Number(again.rows[0].n) > 0) {
        await client.query('COMMIT');
        return [];
      }
      for (const { role, key } of generated) {
        const hash = hashApiKey(key);
        await client.query(`INSERT INTO api_keys (key_id, role, key_hash, label) VALUES ($1, $2, $3, 'generated at first start')`, [keyIdOf(hash), role, hash]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      client.release();
    }
    return generated;
  }

  async authenticate(key: string): Promise<Principal | undefined> {
    const hash = hashApiKey(key);
    const cached = this.cache.get(hash);
    if (cached !== undefined) return cached ?? undefined;
    const result = await this.pool.query<{ key_id: string; role: Role; key_hash: string }>(`SELECT key_id, role, key_hash FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, [hash]);
    const row = result.rows[0];
    const principal = row && timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(hash)) ? { keyId: row.key_id, role: row.role } : null;
    // Unknown keys are not cached, so a key created later works at once and a flood of bad keys cannot fill memory.
    if (principal) this.cache.set(hash, principal);
    return principal ?? undefined;
  }

  private async insert(role: Role, key: string, label: string): Promise<void> {
    const hash = hashApiKey(key);
    await this.pool.query(`INSERT INTO api_keys (key_id, role, key_hash, label) VALUES ($1, $2, $3, $4) ON CONFLICT (key_hash) DO NOTHING`, [keyIdOf(hash), role, hash, label]);
  }
}
