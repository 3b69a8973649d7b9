import { RecordedEvent } from '@payledger/event-store';
import { PUBLIC_EVENT_CONTRACTS } from './public-event.contracts';
import { HEADERS, toPublicMessage } from './public-message.mapper';
import { TOPICS } from './topic.map';

function recorded(overrides: Partial<RecordedEvent> = {}): RecordedEvent {
  const succeeded = PUBLIC_EVENT_CONTRACTS.get('PaymentSucceeded')!.example;
  return {
    position: 42n,
    transactionId: 777n,
    streamId: succeeded.streamId,
    streamVersion: 7,
    eventId: '0b8f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4',
    type: 'PaymentSucceeded',
    schemaVersion: 1,
    data: succeeded.data,
    metadata: { correlationId: 'corr-1', causationId: 'cause-1', actor: 'api' },
    occurredAt: new Date('2026-03-01T09:05:00.000Z'),
    recordedAt: new Date('2026-03-01T09:05:00.010Z'),
    ...overrides,
  };
}

describe('public message mapping', () => {
  it('builds the CloudEvents-style headers, the key and the topic of a contracted event', () => {
    const { message, fallbackReason } = toPublicMessage(recorded());
    expect(fallbackReason).toBeUndefined();
    expect(message.topic).toBe(TOPICS.payments);
    expect(message.key).toBe('payment-pay_7Hq2mZrT0bVxLw4nYc9kPa');
    expect(message.headers).toEqual({
      [HEADERS.id]: '0b8f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4',
      [HEADERS.type]: 'PaymentSucceeded',
      [HEADERS.source]: '/payledger/payment',
      [HEADERS.subject]: 'payment-pay_7Hq2mZrT0bVxLw4nYc9kPa',
      [HEADERS.time]: '2026-03-01T09:05:00.000Z',
      [HEADERS.specVersion]: '1.0',
      [HEADERS.dataContentType]: 'application/json',
      [HEADERS.dataSchema]: 'urn:payledger:event:PaymentSucceeded:v1',
      [HEADERS.schemaVersion]: '1',
      [HEADERS.correlationId]: 'corr-1',
      [HEADERS.causationId]: 'cause-1',
      [HEADERS.streamVersion]: '7',
      [HEADERS.position]: '42',
    });
    const payload = JSON.parse(message.value);
    expect(payload).toMatchObject({ paymentId: 'pay_7Hq2mZrT0bVxLw4nYc9kPa', amountMinor: '21500', currency: 'SAR', gatewayRefs: expect.any(Object) });
    expect(payload).not.toHaveProperty('refs');
  });

  it('lets an event without recorded correlation or causation name itself in both headers', () => {
    const { message } = toPublicMessage(recorded({ metadata: {} }));
    expect(message.headers[HEADERS.correlationId]).toBe('0b8f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4');
    expect(message.headers[HEADERS.causationId]).toBe('0b8f1c2e-3d4a-4b5c-8d6e-7f8091a2b3c4');
  });

  it('publishes an event type with no contract as the generic envelope instead of dropping it', () => {
    const { message, fallbackReason } = toPublicMessage(
      recorded({ streamId: 'reconciliation-run_1', type: 'ReconciliationRunStarted', schemaVersion: 3, data: { gateway: 'jibit', totals: { amountMinor: '5' } } }),
    );
    expect(fallbackReason).toBeUndefined();
    expect(message.topic).toBe(TOPICS.reconciliation);
    expect(message.headers[HEADERS.type]).toBe('ReconciliationRunStarted');
    expect(message.headers[HEADERS.dataSchema]).toBe('urn:payledger:event:generic:v1');
    expect(message.headers[HEADERS.schemaVersion]).toBe('1');
    expect(JSON.parse(message.value)).toEqual({
      streamId: 'reconciliation-run_1',
      eventType: 'ReconciliationRunStarted',
      domainSchemaVersion: 3,
      data: { gateway: 'jibit', totals: { amountMinor: '5' } },
    });
  });

  it('falls back to the generic envelope, with the reason, when stored data breaks the contract, so a contracted payload always conforms', () => {
    const { message, fallbackReason } = toPublicMessage(recorded({ data: { paymentId: 'pay_x', trigger: 'job' } }));
    expect(fallbackReason).toMatch(/PaymentSucceeded v1: \$\.(gateway|reference|orderId)/);
    expect(message.headers[HEADERS.dataSchema]).toBe('urn:payledger:event:generic:v1');
    expect(JSON.parse(message.value)).toMatchObject({ eventType: 'PaymentSucceeded', data: { paymentId: 'pay_x' } });
  });

  it('survives data that is not even an object', () => {
    const { message, fallbackReason } = toPublicMessage(recorded({ type: 'PaymentInitiated', data: null }));
    expect(fallbackReason).toMatch(/mapping threw|PaymentInitiated/);
    expect(JSON.parse(message.value)).toMatchObject({ eventType: 'PaymentInitiated', data: null });
  });

  it('sends gateway interactions of a payment to the interactions topic, keyed by the payment stream', () => {
    const sent = PUBLIC_EVENT_CONTRACTS.get('GatewayRequestSent')!.example;
    const { message } = toPublicMessage(recorded({ type: 'GatewayRequestSent', data: sent.data }));
    expect(message.topic).toBe(TOPICS.gatewayInteractions);
    expect(message.key).toBe('payment-pay_7Hq2mZrT0bVxLw4nYc9kPa');
    expect(JSON.parse(message.value)).not.toHaveProperty('body');
  });
});
