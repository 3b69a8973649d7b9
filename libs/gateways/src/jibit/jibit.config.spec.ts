import {
  JIBIT_CREATE_LOOKUP_SCHEDULE_MS,
  JIBIT_DEADLINE_CAPTURE_AT_MS,
  JIBIT_DEADLINE_SETTLE_AT_MS,
  JIBIT_INQUIRY_SCHEDULE,
  JIBIT_READ_RETRY_PLAN,
  jibitNeedsManualReconciliation,
  jibitNextCreateLookupAtMs,
  jibitNextInquiryAtMs,
} from './jibit.config';
import { decodeListCursor, encodeListCursor, listWindowEndMs } from './jibit-list.cursor';

const MIN = 60_000;
const HOUR = 60 * MIN;

describe('jibit schedules', () => {
  it('exposes the D6 lookup offsets, the D9 inquiry schedule, the D10 checkpoints and the D12 retry plan', () => {
    expect(JIBIT_CREATE_LOOKUP_SCHEDULE_MS).toEqual([10_000, 30_000, 60_000, 120_000]);
    expect(JIBIT_INQUIRY_SCHEDULE).toEqual({ offsetsMs: [1 * MIN, 2 * MIN, 5 * MIN, 10 * MIN], repeatEveryMs: 30 * MIN, manualReviewAfterMs: 72 * HOUR });
    expect(JIBIT_DEADLINE_CAPTURE_AT_MS).toBe(13 * MIN);
    expect(JIBIT_DEADLINE_SETTLE_AT_MS).toBe(16 * MIN);
    expect(JIBIT_READ_RETRY_PLAN.delaysMs).toEqual([1000, 2000, 4000]);
  });

  it('D9: +1, +2, +5, +10 minutes, then every 30 minutes', () => {
    const since = 1_000_000;
    const walk: number[] = [];
    let now = since;
    for (let i = 0; i < 7; i++) {
      const next = jibitNextInquiryAtMs(since, now)!;
      walk.push((next - since) / MIN);
      now = next;
    }
    expect(walk).toEqual([1, 2, 5, 10, 40, 70, 100]);
  });

  it('D9: stops after 72 h and flags the attempt for manual reconciliation', () => {
    expect(jibitNextInquiryAtMs(0, 72 * HOUR)).toBeUndefined();
    expect(jibitNextInquiryAtMs(0, 71 * HOUR)).toBeDefined();
    expect(jibitNeedsManualReconciliation(0, 72 * HOUR - 1)).toBe(false);
    expect(jibitNeedsManualReconciliation(0, 72 * HOUR)).toBe(true);
  });

  it('D6: the next lookup, and none once the last (+120 s) is due', () => {
    expect(jibitNextCreateLookupAtMs(0, 0)).toBe(10_000);
    expect(jibitNextCreateLookupAtMs(0, 10_000)).toBe(30_000);
    expect(jibitNextCreateLookupAtMs(0, 60_000)).toBe(120_000);
    expect(jibitNextCreateLookupAtMs(0, 120_000)).toBeUndefined();
  });
});

describe('jibit list cursor (D13)', () => {
  const period = { fromMs: Date.parse('2026-03-01T00:00:00Z'), toMs: Date.parse('2026-03-03T12:00:00Z') };

  it('round-trips a window and page', () => {
    const cursor = encodeListCursor(period, { windowStartMs: period.fromMs + 24 * HOUR, page: 3 });
    expect(cursor).toMatch(/^[A-Za-z0-9_-]+$/);
    expect(decodeListCursor(cursor, period)).toEqual({ windowStartMs: period.fromMs + 24 * HOUR, page: 3 });
  });

  it('refuses a cursor of another period, a forged one and garbage', () => {
    const cursor = encodeListCursor(period, { windowStartMs: period.fromMs, page: 2 });
    expect(() => decodeListCursor(cursor, { ...period, toMs: period.toMs + 1 })).toThrow(/not valid/);
    const forged = Buffer.from(JSON.stringify({ v: 1, f: period.fromMs, t: period.toMs, w: period.toMs + 1, p: 1 })).toString('base64url');
    expect(() => decodeListCursor(forged, period)).toThrow(/not valid/);
    expect(() => decodeListCursor('!!!', period)).toThrow(/not valid/);
    expect(() => decodeListCursor('abc', period)).toThrow(/not valid/);
  });

  it('cuts windows at one day and at the period end', () => {
    expect(listWindowEndMs(period.fromMs, period.toMs)).toBe(period.fromMs + 24 * HOUR);
    expect(listWindowEndMs(period.fromMs + 48 * HOUR, period.toMs)).toBe(period.toMs);
  });
});
