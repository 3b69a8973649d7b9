/** Examples for the OpenAPI document at /docs. */
export const ACCOUNTS_EXAMPLE = {
  data: [
    { account: 'contra:refunds', type: 'contra_revenue', normalSide: 'debit', gateway: null, description: 'Refunds paid back to buyers, netted against revenue', currencies: ['SAR'] },
    { account: 'gateway:mispay:clearing', type: 'asset', normalSide: 'debit', gateway: 'mispay', description: 'Money mispay holds for us: captured, less refunds and payouts', currencies: ['SAR'] },
    { account: 'revenue:payments', type: 'revenue', normalSide: 'credit', gateway: null, description: 'Payments captured from buyers', currencies: ['SAR'] },
  ],
};

export const BALANCES_EXAMPLE = {
  asOf: '2026-11-22T12:00:00.000Z',
  data: [
    { account: 'contra:refunds', type: 'contra_revenue', normalSide: 'debit', gateway: null, currency: 'SAR', balanceMinor: '1000', lastBookedAt: '2026-11-22T10:05:00.120Z', lastPosition: '212' },
    { account: 'gateway:mispay:clearing', type: 'asset', normalSide: 'debit', gateway: 'mispay', currency: 'SAR', balanceMinor: '20500', lastBookedAt: '2026-11-22T10:05:00.120Z', lastPosition: '212' },
    { account: 'revenue:payments', type: 'revenue', normalSide: 'credit', gateway: null, currency: 'SAR', balanceMinor: '-21500', lastBookedAt: '2026-11-22T10:01:10.480Z', lastPosition: '187' },
  ],
};

export const JOURNAL_EXAMPLE = {
  data: [
    {
      entryId: '5b0e2c1a-7d3f-4a9e-8c21-6f4b9d0e1a37',
      kind: 'payment_captured',
      eventType: 'PaymentSucceeded',
      streamId: 'payment-pay_4mZ0bq8cR1x2Yk7pQ9sT3v',
      position: '187',
      paymentId: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v',
      refundId: null,
      payoutId: null,
      gateway: 'mispay',
      currency: 'SAR',
      description: 'payment pay_4mZ0bq8cR1x2Yk7pQ9sT3v (order ORD-1001) captured at mispay',
      reversesEntryId: null,
      occurredAt: '2026-11-22T10:01:10.475Z',
      recordedAt: '2026-11-22T10:01:10.480Z',
      bookedAt: '2026-11-22T10:01:10.480Z',
      lines: [
        { lineNo: 1, account: 'gateway:mispay:clearing', currency: 'SAR', debitMinor: '21500', creditMinor: '0', balanceAfterMinor: '21500' },
        { lineNo: 2, account: 'revenue:payments', currency: 'SAR', debitMinor: '0', creditMinor: '21500', balanceAfterMinor: '-21500' },
      ],
    },
  ],
  nextCursor: 'eyJrIjoiam91cm5hbCIsInYiOlsiMjAyNi0xMS0yMlQxMDowMToxMC40ODBaIiwiOTEyIiwiMTg3Il19',
};

export const PAYMENTS_EXAMPLE = {
  data: [
    {
      id: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v',
      gateway: 'mispay',
      orderId: 'ORD-1001',
      status: 'partially_refunded',
      amountMinor: '21500',
      currency: 'SAR',
      capturedMinor: '21500',
      refundedMinor: '1000',
      reference: 'PLa1B2c3D4e5F6g7H8i9J0k1L2',
      attempts: [{ attemptNo: 1, reference: 'PLa1B2c3D4e5F6g7H8i9J0k1L2', outcome: 'paid', refs: { trackId: 'TRK-1', checkoutId: 'CHK-1' }, startedAt: '2026-11-22T10:00:00.000Z', expiresAt: null, gatewayStatus: 'SUCCESS' }],
      refunds: [{ refundId: 'rfd_8QwErTyUiOp1AsDfGhJkL2', amountMinor: '1000', currency: 'SAR', status: 'succeeded', requestedAt: '2026-11-22T10:05:00.000Z', settledAt: '2026-11-22T10:05:00.110Z', gatewayRefundRef: 'R-77' }],
      failureReason: null,
      review: null,
      createdAt: '2026-11-22T10:00:00.000Z',
      updatedAt: '2026-11-22T10:05:00.110Z',
      succeededAt: '2026-11-22T10:01:10.475Z',
      version: 14,
    },
  ],
  nextCursor: null,
};

export const TIMELINE_EXAMPLE = {
  data: [
    {
      position: '171',
      streamVersion: 1,
      eventId: '0b9c8d7e-6f5a-4b3c-9d2e-1f0a9b8c7d6e',
      type: 'PaymentInitiated',
      schemaVersion: 1,
      occurredAt: '2026-11-22T10:00:00.000Z',
      recordedAt: '2026-11-22T10:00:00.004Z',
      data: { paymentId: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v', gateway: 'mispay', orderId: 'ORD-1001', amountMinor: '21500', currency: 'SAR' },
      metadata: { correlationId: '2f1e0d9c-8b7a-4c6d-9e5f-4a3b2c1d0e9f', actor: 'api' },
    },
    {
      position: '173',
      streamVersion: 3,
      eventId: '1c0d9e8f-7a6b-4c5d-8e3f-2a1b0c9d8e7f',
      type: 'GatewayRequestSent',
      schemaVersion: 1,
      occurredAt: '2026-11-22T10:00:00.010Z',
      recordedAt: '2026-11-22T10:00:00.190Z',
      data: { gateway: 'mispay', operation: 'start-checkout', requestId: 'req-1', attempt: 1, method: 'POST', url: 'http://localhost:3100/mispay/v1/api/start-checkout', headers: { authorization: '[REDACTED]' } },
      metadata: { gateway: 'mispay' },
    },
  ],
  nextCursor: null,
};

export const DAILY_SUMMARY_EXAMPLE = {
  data: [{ day: '2026-11-22', gateway: 'mispay', currency: 'SAR', paymentsCount: '12', grossMinor: '258000', refundsCount: '1', refundsMinor: '1000', netMinor: '257000' }],
  nextCursor: null,
};

export const PROJECTION_EXAMPLE = {
  name: 'ledger-journal',
  description: 'journal entries and lines (with running balances) and account balances per currency',
  tables: ['journal_entries', 'journal_lines', 'account_balances'],
  position: '1000212',
  lagEvents: '0',
  lastError: null,
  rebuild: { state: 'completed', startedAt: '2026-11-22T11:00:00.000Z', finishedAt: '2026-11-22T11:01:02.310Z', eventsRead: 1000212, durationMs: 62310 },
};

export const INVALID_QUERY_EXAMPLE = {
  error: {
    code: 'REQUEST.INVALID',
    message: 'invalid query: limit at most 500; gatway not a parameter of this list',
    details: { fields: [{ field: 'limit', code: 'too_big', message: 'at most 500' }, { field: 'gatway', code: 'unknown', message: 'not a parameter of this list' }] },
  },
};
