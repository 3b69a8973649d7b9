import { ALL_TOPICS, keyFor, TOPICS, topicFor } from './topic.map';

describe('topic map', () => {
  it.each([
    ['payment-pay_1', 'PaymentInitiated', TOPICS.payments],
    ['payment-pay_1', 'RefundSucceeded', TOPICS.payments],
    ['payout-po_1', 'PayoutTransferred', TOPICS.payments],
    ['beneficiary-ben_1', 'PayoutBeneficiaryRegistered', TOPICS.payments],
    ['payment-pay_1', 'GatewayRequestSent', TOPICS.gatewayInteractions],
    ['payment-pay_1', 'GatewayWebhookReceived', TOPICS.gatewayInteractions],
    ['payout-po_1', 'GatewayResponseReceived', TOPICS.gatewayInteractions],
    ['gateway-session-jibit', 'GatewaySessionRenewed', TOPICS.gatewayInteractions],
    ['inbound-mispay', 'GatewayCallbackReceived', TOPICS.gatewayInteractions],
    ['ledger-2026-03', 'JournalEntryPosted', TOPICS.ledger],
    ['payment-pay_1', 'JournalEntryPosted', TOPICS.ledger],
    ['reconciliation-run_1', 'ReconciliationRunStarted', TOPICS.reconciliation],
    ['somethingnew-1', 'SomethingHappened', TOPICS.payments],
  ])('%s %s → %s', (streamId, type, topic) => {
    expect(topicFor({ streamId, type })).toBe(topic);
  });

  it('puts gateway interactions on their topic even when a later category would also match', () => {
    expect(topicFor({ streamId: 'reconciliation-run_1', type: 'GatewayRequestSent' })).toBe(TOPICS.gatewayInteractions);
  });

  it('keys every message by its stream id, so one stream stays on one partition', () => {
    expect(keyFor({ streamId: 'payment-pay_1' })).toBe('payment-pay_1');
  });

  it('publishes to exactly the four documented topics', () => {
    expect([...ALL_TOPICS].sort()).toEqual(['payledger.gateway-interactions.v1', 'payledger.ledger.v1', 'payledger.payments.v1', 'payledger.reconciliation.v1']);
  });
});
