/** Examples for the OpenAPI document at /docs. */
export const CREATE_PAYMENT_EXAMPLE = {
  gateway: 'mispay',
  orderId: 'ORD-1001',
  amountMinor: '21500',
  currency: 'SAR',
  description: 'Order 1001',
  returnUrl: 'https://shop.example/paid',
  customer: { id: 'cust-42', mobile: '0501234567' },
  items: [{ sku: 'SKU-1', name: 'Coffee beans', quantity: 2, unitAmountMinor: '9000' }],
  breakdown: { shippingMinor: '1500', vatMinor: '2000', discountMinor: '0' },
};

export const PAYMENT_EXAMPLE = {
  id: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v',
  gateway: 'mispay',
  orderId: 'ORD-1001',
  status: 'awaiting_buyer',
  amountMinor: '21500',
  currency: 'SAR',
  capturedMinor: '0',
  refundedMinor: '0',
  redirect: { method: 'GET', url: 'http://localhost:3100/mispay/checkout/9f1c…' },
  attempts: [{ reference: 'PLa1B2c3D4e5F6g7H8i9J0k1L2', attemptNo: 1, outcome: 'pending', refs: { trackId: 'TRK-…' }, startedAt: '2026-11-22T10:00:00.000Z' }],
  refunds: [],
  createdAt: '2026-11-22T10:00:00.000Z',
  updatedAt: '2026-11-22T10:00:00.120Z',
};

export const REFUND_EXAMPLE = { id: 'rfd_8QwErTyUiOp1AsDfGhJkL2', paymentId: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v', amountMinor: '1000', currency: 'SAR', status: 'succeeded', createdAt: '2026-11-22T10:05:00.000Z' };
