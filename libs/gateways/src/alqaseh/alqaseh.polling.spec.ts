import { nextPollDelayMs } from './alqaseh.polling';

const MINUTE = 60_000;
const createdAt = new Date('2026-03-01T09:00:00Z');
const at = (ms: number) => new Date(createdAt.getTime() + ms);

describe('alqaseh polling schedule (D10)', () => {
  it.each([
    [0, 1 * MINUTE],
    [30_000, 30_000],
    [1 * MINUTE, 1 * MINUTE],
    [2 * MINUTE, 3 * MINUTE],
    [5 * MINUTE, 5 * MINUTE],
    [10 * MINUTE, 15 * MINUTE],
    [24 * MINUTE, 1 * MINUTE],
    [55 * MINUTE, 15 * MINUTE],
    [70 * MINUTE, 5 * MINUTE],
  ])('pending at +%d ms: next in %d ms (1 h token)', (elapsed, expected) => {
    expect(nextPollDelayMs({ outcome: 'pending', createdAt, now: at(elapsed), tokenExpiryHours: 1 })).toBe(expected);
  });

  it('pending past expiry + 15 min falls back to hourly, then stops at 24 h', () => {
    expect(nextPollDelayMs({ outcome: 'pending', createdAt, now: at(80 * MINUTE), tokenExpiryHours: 1 })).toBe(60 * MINUTE);
    expect(nextPollDelayMs({ outcome: 'pending', createdAt, now: at(24 * 60 * MINUTE), tokenExpiryHours: 1 })).toBeUndefined();
  });

  it('unknown is polled hourly up to 24 h', () => {
    expect(nextPollDelayMs({ outcome: 'unknown', createdAt, now: at(0), tokenExpiryHours: 1 })).toBe(60 * MINUTE);
    expect(nextPollDelayMs({ outcome: 'unknown', createdAt, now: at(23.5 * 60 * MINUTE), tokenExpiryHours: 1 })).toBe(30 * MINUTE);
    expect(nextPollDelayMs({ outcome: 'unknown', createdAt, now: at(24 * 60 * MINUTE), tokenExpiryHours: 1 })).toBeUndefined();
  });

  it('create_unknown follows the D5 lookups (+10 s, +60 s)', () => {
    expect(nextPollDelayMs({ outcome: 'create_unknown', createdAt, now: at(2_000), tokenExpiryHours: 1 })).toBe(8_000);
    expect(nextPollDelayMs({ outcome: 'create_unknown', createdAt, now: at(10_000), tokenExpiryHours: 1 })).toBe(50_000);
    expect(nextPollDelayMs({ outcome: 'create_unknown', createdAt, now: at(61_000), tokenExpiryHours: 1 })).toBe(0);
  });

  it.each(['paid', 'failed', 'expired', 'canceled', 'amount_mismatch'] as const)('%s is final: no poll', (outcome) => {
    expect(nextPollDelayMs({ outcome, createdAt, now: at(MINUTE), tokenExpiryHours: 1 })).toBeUndefined();
  });
});
