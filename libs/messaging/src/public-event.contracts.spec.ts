import { INTERACTION_EVENT_TYPES } from '@payledger/gateways';
import { PAYMENT_EVENT_TYPES, PAYOUT_EVENT_TYPES } from '@payledger/payments';
import { ATIPAY_ANOMALY_EVENT_TYPE } from '../../gateways/src/atipay';
import { JIBIT_SESSION_RENEWED_EVENT } from '../../gateways/src/jibit';
import { TOKEN_ISSUED_EVENT } from '../../gateways/src/mispay';
import { toJson } from '@payledger/event-store';
import { GENERIC_CONTRACT, PUBLIC_EVENT_CONTRACTS, PublicEventContract } from './public-event.contracts';
import { FieldType, payloadProblems } from './public-payload.schema';
import PUBLISHED_SHAPES from './public-event.shapes.json';

const ALL = [...PUBLIC_EVENT_CONTRACTS.values(), GENERIC_CONTRACT as unknown as PublicEventContract];
const published = PUBLISHED_SHAPES as Record<string, Record<string, unknown>>;

/** The payload as a consumer parses it off the wire. */
function wire(contract: PublicEventContract, example: { streamId: string; data: Record<string, unknown> }): Record<string, unknown> {
  return JSON.parse(toJson(contract.toPayload(example.data, example.streamId)));
}

/** Paths of every optional (`x?` or nullable) field in a declaration. */
function optionalPaths(type: FieldType, path = '$'): string[] {
  if (typeof type === 'string') return type.endsWith('?') || type === 'json' ? [path] : [];
  if (Array.isArray(type)) return optionalPaths(type[0], `${path}[0]`);
  if ('nullable' in type && Object.keys(type).length === 1) return [path, ...optionalPaths((type as { nullable: FieldType }).nullable, path)];
  return Object.entries(type).flatMap(([key, inner]) => optionalPaths(inner as FieldType, `${path}.${key}`));
}

function valueAt(value: unknown, path: string): unknown {
  let current = value;
  for (const part of path.replace(/^\$\.?/, '').split(/\.|\[0\]/).filter(Boolean)) {
    current = Array.isArray(current) ? current[0]?.[part as never] : (current as Record<string, unknown> | null)?.[part];
  }
  if (path.endsWith('[0]') && Array.isArray(current)) return current[0];
  return current;
}

describe('public event contracts', () => {
  it('cover every payment, payout, interaction and gateway session event type', () => {
    const domainTypes = [
      ...Object.values(PAYMENT_EVENT_TYPES),
      ...Object.values(PAYOUT_EVENT_TYPES),
      ...Object.values(INTERACTION_EVENT_TYPES),
      JIBIT_SESSION_RENEWED_EVENT,
      TOKEN_ISSUED_EVENT,
      ATIPAY_ANOMALY_EVENT_TYPE,
    ];
    expect(domainTypes.filter((type) => !PUBLIC_EVENT_CONTRACTS.has(type))).toEqual([]);
  });

  describe.each(ALL.map((c) => [c.type, c] as const))('%s', (_type, contract) => {
    it('maps its complete example onto exactly the declared payload, every optional field filled', () => {
      const payload = wire(contract, contract.example as never);
      expect(payloadProblems(payload, contract.payload)).toEqual([]);
      const empty = optionalPaths(contract.payload).filter((path) => valueAt(payload, path) === null || valueAt(payload, path) === undefined);
      expect(empty).toEqual([]);
    });

    it('maps its minimal example (optional fields absent) onto the declared payload with nulls', () => {
      const example = contract.minimalExample ?? contract.example;
      expect(payloadProblems(wire(contract, example as never), contract.payload)).toEqual([]);
      if (contract.minimalExample) {
        const payload = wire(contract, contract.minimalExample as never);
        expect(optionalPaths(contract.payload).some((path) => valueAt(payload, path) === null)).toBe(true);
      }
    });

    it('has the shape published for its version (a change of shape needs a version bump and a new entry in public-event.shapes.json)', () => {
      const versions = published[contract.type];
      expect(versions).toBeDefined();
      expect(versions[String(contract.version)]).toEqual(JSON.parse(JSON.stringify(contract.payload)));
    });

    it('keeps every earlier published version in the shapes file (a published version is never removed)', () => {
      const versions = Object.keys(published[contract.type] ?? {}).map(Number).sort((a, b) => a - b);
      expect(versions).toEqual(Array.from({ length: contract.version }, (_, i) => i + 1));
    });
  });

  it('lists no shape in the shapes file that no contract publishes', () => {
    expect(Object.keys(published).filter((type) => !ALL.some((c) => c.type === type))).toEqual([]);
  });

  it('carries amounts as strings of minor units, never numbers', () => {
    const succeeded = PUBLIC_EVENT_CONTRACTS.get('PaymentSucceeded')!;
    const payload = succeeded.toPayload({ ...succeeded.example.data, amountMinor: 21500n } as never, succeeded.example.streamId);
    expect(JSON.parse(toJson(payload)).amountMinor).toBe('21500');
    expect(payloadProblems(JSON.parse(toJson(payload)), succeeded.payload)).toEqual([]);
  });

  it('leaves private fields out: contact details, key ids, leases, retry hints, bodies, account numbers', () => {
    const serialised = ALL.map((c) => JSON.stringify(wire(c, c.example as never))).join('\n');
    // Each of these is in some example's stored data (contact details, the API key id, the confirmation
    // lease, the retry hint, a request body and header, a source address, an account number, a name).
    for (const privateValue of ['buyer@example.com', '0555555555', 'key_3fA9', 'leaseUntil', 'retryAfterMs', 'purchaseAmount', 'content-type', '203.0.113.7', '09171234567', 'Juan Dela Cruz', 'checkout-page']) {
      expect(serialised).not.toContain(privateValue);
    }
    const beneficiary = wire(PUBLIC_EVENT_CONTRACTS.get('PayoutBeneficiaryRegistered')!, PUBLIC_EVENT_CONTRACTS.get('PayoutBeneficiaryRegistered')!.example as never);
    expect(beneficiary.accountNoLast4).toBe('4567');
  });

  it('names the payment of events whose stored data does not repeat it, from the stream id', () => {
    const created = PUBLIC_EVENT_CONTRACTS.get('PaymentAttemptCreated')!;
    expect(created.toPayload({ reference: 'PL1', refs: {} }, 'payment-pay_abc').paymentId).toBe('pay_abc');
  });
});
