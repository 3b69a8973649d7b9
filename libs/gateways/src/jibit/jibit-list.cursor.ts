import { GatewayError } from '../port/gateway-error';
import { JIBIT_LIST_WINDOW_MAX_MS } from './jibit.config';

/**
 * D13 reconciliation paging: the period is walked in windows of at most one day, each window in 1-based
 * pages while `hasNext`. The opaque cursor says which window and page come next, and for which period.
 */
export interface JibitListPosition {
  windowStartMs: number;
  page: number;
}

interface CursorPayload {
  v: 1;
  f: number;
  t: number;
  w: number;
  p: number;
}

const CURSOR_LENGTH_MAX = 512;

export function encodeListCursor(period: { fromMs: number; toMs: number }, position: JibitListPosition): string {
  const payload: CursorPayload = { v: 1, f: period.fromMs, t: period.toMs, w: position.windowStartMs, p: position.page };
  return Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
}

/** The position a cursor names; GATEWAY.INVALID_REQUEST for a cursor of another period or not ours at all. */
export function decodeListCursor(cursor: string, period: { fromMs: number; toMs: number }): JibitListPosition {
  const refuse = () => new GatewayError('GATEWAY.INVALID_REQUEST', 'jibit listRecords: cursor is not valid for this period', { details: { gateway: 'jibit' } });
  if (cursor.length > CURSOR_LENGTH_MAX || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw refuse();
  let payload: Partial<CursorPayload>;
  try {
    payload = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as Partial<CursorPayload>;
  } catch {
    throw refuse();
  }
  const { v, f, t, w, p } = payload;
  if (v !== 1 || f !== period.fromMs || t !== period.toMs) throw refuse();
  if (!Number.isSafeInteger(w) || !Number.isSafeInteger(p) || w! < period.fromMs || w! >= period.toMs || p! < 1) throw refuse();
  return { windowStartMs: w!, page: p! };
}

/** The window starting at `windowStartMs`: one day at most, never past the period's end. */
export function listWindowEndMs(windowStartMs: number, periodToMs: number): number {
  return Math.min(windowStartMs + JIBIT_LIST_WINDOW_MAX_MS, periodToMs);
}
