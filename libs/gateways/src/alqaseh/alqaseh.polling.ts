import type { AttemptOutcome } from '../port/gateway.types';
import {
  ALQASEH_CREATE_LOOKUP_DELAYS_MS,
  ALQASEH_POLL_AFTER_EXPIRY_MS,
  ALQASEH_POLL_INTERVAL_MS,
  ALQASEH_POLL_OFFSETS_MS,
  ALQASEH_UNKNOWN_POLL_HORIZON_MS,
  ALQASEH_UNKNOWN_POLL_INTERVAL_MS,
} from './alqaseh.config';

const HOUR_MS = 3_600_000;

/**
 * D10 as a pure function: how long until a non-final attempt should be re-queried, or undefined when
 * automatic polling is over (final outcome, or past the horizon: manual reconciliation).
 */
export function nextPollDelayMs(input: { outcome: AttemptOutcome; createdAt: Date; now: Date; tokenExpiryHours: number }): number | undefined {
  const elapsed = input.now.getTime() - input.createdAt.getTime();
  const hourly = (): number | undefined => {
    if (elapsed >= ALQASEH_UNKNOWN_POLL_HORIZON_MS) return undefined;
    return Math.min(ALQASEH_UNKNOWN_POLL_INTERVAL_MS, ALQASEH_UNKNOWN_POLL_HORIZON_MS - elapsed);
  };
  switch (input.outcome) {
    case 'pending': {
      const offset = ALQASEH_POLL_OFFSETS_MS.find((at) => at > elapsed);
      if (offset !== undefined) return offset - elapsed;
      const lastOffset = ALQASEH_POLL_OFFSETS_MS[ALQASEH_POLL_OFFSETS_MS.length - 1];
      const stopAt = input.tokenExpiryHours * HOUR_MS + ALQASEH_POLL_AFTER_EXPIRY_MS;
      const steps = Math.floor((elapsed - lastOffset) / ALQASEH_POLL_INTERVAL_MS) + 1;
      const next = lastOffset + steps * ALQASEH_POLL_INTERVAL_MS;
      if (next <= stopAt) return next - elapsed;
      if (stopAt > elapsed) return stopAt - elapsed;
      // Still open past expiry + 15 min is itself odd: keep asking at the `unknown` cadence.
      return hourly();
    }
    case 'unknown':
      return hourly();
    case 'create_unknown': {
      // D5: the lookups of recoverCreate, not the status polls.
      const lookupAt = ALQASEH_CREATE_LOOKUP_DELAYS_MS.find((at) => at > elapsed);
      return lookupAt === undefined ? 0 : lookupAt - elapsed;
    }
    default:
      return undefined;
  }
}
