import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { Pool } from 'pg';
import { PG_POOL } from '@payledger/database';
import { DomainError } from '@payledger/kernel';

export const IDEMPOTENCY_KEY_LENGTH_MAX = 255;
/** A first request still running after this long is taken as dead; its resource is looked up instead. */
export const IDEMPOTENCY_STALE_AFTER_MS = 120_000;

export interface StoredResponse {
  status: number;
  body: unknown;
}

export type IdempotencyClaim =
  | { kind: 'new'; resourceId: string }
  | { kind: 'replay'; response: StoredResponse }
  /** The first request died after choosing its resource id: the caller answers from that resource. */
  | { kind: 'recover'; resourceId: string };

/**
 * `Idempotency-Key` on every create: the key is claimed with the request's hash and the id of the
 * resource it will create before anything happens, so a retry gets the first answer, a different body
 * under the same key is refused (409), and a retry after a crash finds the resource instead of making a
 * second one.
 */
@Injectable()
export class IdempotencyService {
  constructor(@Inject(PG_POOL) private readonly pool: Pool) {}

  requireKey(header: string | string[] | undefined): string {
    const key = Array.isArray(header) ? header[0] : header;
    if (!key) throw new DomainError('REQUEST.IDEMPOTENCY_KEY_REQUIRED', 'send an Idempotency-Key header with every create (any unique string up to 255 characters)');
    if (key.length > IDEMPOTENCY_KEY_LENGTH_MAX || !/^[\x21-\x7e]+$/.test(key)) {
      throw new DomainError('REQUEST.INVALID', `Idempotency-Key must be 1–${IDEMPOTENCY_KEY_LENGTH_MAX} printable ASCII characters`, { fields: [{ field: 'Idempotency-Key', code: 'pattern' }] });
    }
    return key;
  }

  async claim(scope: string, key: string, request: unknown, newResourceId: string): Promise<IdempotencyClaim> {
    const hash = requestHash(request);
    const inserted = await this.pool.query(
      `INSERT INTO idempotency_keys (scope, idempotency_key, request_hash, resource_id, state) VALUES ($1, $2, $3, $4, 'in_progress')
       ON CONFLICT (scope, idempotency_key) DO NOTHING`,
      [scope, key, hash, newResourceId],
    );
    if (inserted.rowCount === 1) return { kind: 'new', resourceId: newResourceId };
    const existing = await this.pool.query<{ request_hash: string; resource_id: string; state: string; response_status: number | null; response_body: unknown; age_ms: string }>(
      `SELECT request_hash, resource_id, state, response_status, response_body, (extract(epoch FROM now() - created_at) * 1000)::bigint::text AS age_ms
         FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2`,
      [scope, key],
    );
    const row = existing.rows[0];
    if (row.request_hash !== hash) {
      throw new DomainError('REQUEST.IDEMPOTENCY_MISMATCH', 'this Idempotency-Key was used with a different request', { idempotencyKey: key });
    }
    if (row.state === 'done') return { kind: 'replay', response: { status: row.response_status!, body: row.response_body } };
    if (BigInt(row.age_ms) < BigInt(IDEMPOTENCY_STALE_AFTER_MS)) {
      throw new DomainError('REQUEST.IDEMPOTENCY_IN_PROGRESS', 'the first request with this Idempotency-Key is still running; retry shortly', { idempotencyKey: key });
    }
    return { kind: 'recover', resourceId: row.resource_id };
  }

  async complete(scope: string, key: string, response: StoredResponse): Promise<void> {
    await this.pool.query(
      `UPDATE idempotency_keys SET state = 'done', response_status = $3, response_body = $4, completed_at = now() WHERE scope = $1 AND idempotency_key = $2`,
      [scope, key, response.status, JSON.stringify(response.body)],
    );
  }

  /** A request that failed before creating anything frees its key for a corrected retry. */
  async release(scope: string, key: string): Promise<void> {
    await this.pool.query(`DELETE FROM idempotency_keys WHERE scope = $1 AND idempotency_key = $2 AND state = 'in_progress'`, [scope, key]);
  }
}

/** The same request in any key order hashes the same. */
export function requestHash(request: unknown): string {
  return createHash('sha256').update(canonicalJson(request)).digest('hex');
}

function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value as object)
      .sort()
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
