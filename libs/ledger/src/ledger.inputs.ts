/**
 * What the ledger posts, by event type. The payment and payout types are libs/payments' (checked equal
 * in ledger.posting-rules.spec.ts); the ledger keeps them as data so that it loads nothing of the
 * payment write side (and through it, no gateway).
 *
 * Reconciliation does not record corrections yet. The two types below are the inputs the ledger
 * expects from it (stream `reconciliation-<runId>`, or an ops stream for a reversal), defined here as
 * data only: reconciliation owns them once it exists and must keep these shapes (or add upcasters).
 */
export const LEDGER_INPUT_EVENT_TYPES = {
  paymentSucceeded: 'PaymentSucceeded',
  refundSucceeded: 'RefundSucceeded',
  payoutTransferred: 'PayoutTransferred',
  correctionRecorded: 'ReconciliationCorrectionRecorded',
  reversalRecorded: 'LedgerEntryReversalRecorded',
} as const;

export const POSTED_EVENT_TYPES: ReadonlySet<string> = new Set(Object.values(LEDGER_INPUT_EVENT_TYPES));

/**
 * A difference reconciliation found between what a gateway holds and what the clearing account says.
 * Posted against `suspense:reconciliation` until ops decide where it belongs.
 */
export interface ReconciliationCorrectionRecordedData {
  runId: string;
  discrepancyId: string;
  gateway: string;
  paymentId?: string;
  /**
   * Signed minor units: what the gateway holds minus what the ledger shows. Positive: the gateway holds
   * more (Dr clearing, Cr suspense); negative: less (Dr suspense, Cr clearing). Never 0.
   */
  clearingDeltaMinor: string;
  currency: string;
  reason: string;
}

/** Undo an earlier entry (by its causing event id) with a new entry of swapped sides; the original stays. */
export interface LedgerEntryReversalRecordedData {
  reversesEntryId: string;
  reason: string;
  runId?: string;
  discrepancyId?: string;
  actor?: string;
}
