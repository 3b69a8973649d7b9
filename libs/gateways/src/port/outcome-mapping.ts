import { AttemptOutcome } from './gateway.types';

export type PaymentStatus =
  | 'initiated'
  | 'awaiting_buyer'
  | 'authorized'
  | 'succeeded'
  | 'failed'
  | 'expired'
  | 'unknown'
  | 'partially_refunded'
  | 'refunded'
  | 'canceled';

/** shared/gateways/README.md: the payment's status follows its latest attempt. */
export function attemptOutcomeToPaymentStatus(outcome: AttemptOutcome): PaymentStatus {
  switch (outcome) {
    case 'pending':
      return 'awaiting_buyer';
    case 'authorized':
      return 'authorized';
    case 'paid':
      return 'succeeded';
    case 'failed':
      return 'failed';
    case 'expired':
      return 'expired';
    case 'canceled':
      return 'canceled';
    case 'unknown':
    case 'create_unknown':
    case 'amount_mismatch':
    case 'failed_needs_review':
      return 'unknown';
  }
}
