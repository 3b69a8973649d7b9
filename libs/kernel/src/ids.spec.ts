import { ATTEMPT_REFERENCE_PATTERN, newAttemptReference, newPaymentId } from './ids';

describe('ids', () => {
  it('makes attempt references every gateway accepts and that do not repeat', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const reference = newAttemptReference();
      expect(reference).toMatch(ATTEMPT_REFERENCE_PATTERN);
      seen.add(reference);
    }
    expect(seen.size).toBe(2000);
  });

  it('makes payment ids with a readable prefix', () => {
    expect(newPaymentId()).toMatch(/^pay_[A-Za-z0-9]{22}$/);
  });
});
