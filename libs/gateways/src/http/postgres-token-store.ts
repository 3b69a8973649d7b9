import type { Pool } from 'pg';
import type { GatewayName } from '../port/gateway.types';
import type { AccessToken, TokenStore } from './token-holder';

/**
 * The token pair per gateway in PostgreSQL (`gateway_tokens`), so every api and worker instance uses the
 * pair whichever of them renewed last (jibit.md D3: shared storage outside the event store). A save never
 * replaces a pair that lives longer: two instances renewing at once keep the newer one.
 */
export class PostgresTokenStore implements TokenStore {
  constructor(private readonly pool: Pick<Pool, 'query'>) {}

  async load(gateway: GatewayName): Promise<AccessToken | undefined> {
    const result = await this.pool.query<{ access_token: string; expires_at: Date; refresh_token: string | null; refresh_expires_at: Date | null }>(
      `SELECT access_token, expires_at, refresh_token, refresh_expires_at FROM gateway_tokens WHERE gateway = $1`,
      [gateway],
    );
    const row = result.rows[0];
    if (!row) return undefined;
    return {
      value: row.access_token,
      expiresAt: row.expires_at,
      ...(row.refresh_token !== null ? { refreshToken: row.refresh_token } : {}),
      ...(row.refresh_expires_at !== null ? { refreshExpiresAt: row.refresh_expires_at } : {}),
    };
  }

  async save(gateway: GatewayName, token: AccessToken): Promise<void> {
    await this.pool.query(
      `INSERT INTO gateway_tokens AS g (gateway, access_token, expires_at, refresh_token, refresh_expires_at, saved_at)
       VALUES ($1, $2, $3, $4, $5, now())
       ON CONFLICT (gateway) DO UPDATE SET access_token = EXCLUDED.access_token, expires_at = EXCLUDED.expires_at,
         refresh_token = EXCLUDED.refresh_token, refresh_expires_at = EXCLUDED.refresh_expires_at, saved_at = now()
       WHERE g.expires_at <= EXCLUDED.expires_at`,
      [gateway, token.value, token.expiresAt, token.refreshToken ?? null, token.refreshExpiresAt ?? null],
    );
  }
}
