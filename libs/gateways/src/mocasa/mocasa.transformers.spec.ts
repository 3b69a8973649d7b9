import { Money } from '@payledger/kernel';
import { GatewayError } from '../port/gateway-error';
import {
  isMocasaReference,
  isUsablePaymentLink,
  maskTail,
  mocasaCreateOrderForm,
  mocasaProductName,
  mocasaQueryOutcome,
  mocasaRefundStatus,
  mocasaRequeryDelayMs,
  mocasaRequeryOffsetsMs,
  mocasaReturnUrl,
  mocasaTokenExpiresAt,
  mocasaTransferStatus,
  parseMocasaAmount,
  parseMocasaEnvelope,
  toMocasaAmount,
} from './mocasa.transformers';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;

describe('mocasa amounts', () => {
  it('sends pesos with exactly two decimals', () => {
    expect(toMocasaAmount(Money.of(150000n, 'PHP'))).toBe('1500.00');
    expect(toMocasaAmount(Money.of(1n, 'PHP'))).toBe('0.01');
    expect(toMocasaAmount(Money.of(123456789n, 'PHP'))).toBe('1234567.89');
  });

  it('refuses another currency and amounts that are not positive', () => {
    expect(() => toMocasaAmount(Money.of(100n, 'SAR'))).toThrow(GatewayError);
    expect(() => toMocasaAmount(Money.zero('PHP'))).toThrow(/positive/);
    expect(() => toMocasaAmount(Money.of(-5n, 'PHP'))).toThrow(/positive/);
  });

  it.each([
    [1500, 150000n],
    [1500.5, 150050n],
    [1500.55, 150055n],
    [0.01, 1n],
    ['1500.00', 150000n],
    ['7', 700n],
  ])('reads the webhook amount %p as %p centavos', (wire, minor) => {
    const parsed = parseMocasaAmount(wire);
    expect(parsed).toEqual({ ok: true, amount: Money.of(minor, 'PHP') });
  });

  it.each([[1500.555], [1e21], [-5], ['-5.00'], ['1e3'], ['+3'], ['12.345'], [''], ['abc'], [Number.NaN], [Infinity], [null], [{}], [0.1 + 0.2]])(
    'refuses %p without rounding',
    (wire) => {
      expect(parseMocasaAmount(wire).ok).toBe(false);
    },
  );
});

describe('mocasa statuses', () => {
  it.each([
    ['success', 'paid'],
    ['SUCCESS', 'paid'],
    [' Success ', 'paid'],
    ['failed', 'failed'],
    ['FAILED', 'failed'],
    ['pending', 'pending'],
    ['processing', 'pending'],
    ['refunded', 'pending'],
    ['', 'unknown'],
    [undefined, 'unknown'],
    [42, 'unknown'],
  ])('query txStatus %p → %p (D10)', (wire, outcome) => {
    expect(mocasaQueryOutcome(wire)).toBe(outcome);
  });

  it.each([
    ['success', 'succeeded'],
    ['Success', 'succeeded'],
    ['failed', 'failed'],
    ['pending', 'unknown'],
    [undefined, 'unknown'],
  ])('transfer txStatus %p → %p (D12)', (wire, status) => {
    expect(mocasaTransferStatus(wire)).toBe(status);
  });

  it.each([
    ['success', 'succeeded'],
    ['SUCCESS', 'succeeded'],
    ['processing', 'pending_review'],
    ['failed', 'pending_review'],
    [undefined, 'pending_review'],
  ])('refundStatus %p → %p (D11)', (wire, status) => {
    expect(mocasaRefundStatus(wire)).toBe(status);
  });
});

describe('mocasa token expiry (D2)', () => {
  const sentAt = new Date('2026-03-01T09:00:00.000Z');

  it('reads a value above 10^12 as epoch milliseconds', () => {
    expect(mocasaTokenExpiresAt(sentAt.getTime() + 2 * HOUR, sentAt)).toEqual(new Date(sentAt.getTime() + 2 * HOUR));
  });

  it('reads a smaller value as seconds from when the request was sent', () => {
    expect(mocasaTokenExpiresAt(7200, sentAt)).toEqual(new Date(sentAt.getTime() + 2 * HOUR));
    expect(mocasaTokenExpiresAt('7200', sentAt)).toEqual(new Date(sentAt.getTime() + 2 * HOUR));
  });

  it('caps a lifetime above 24 h at 24 h, either way it is written', () => {
    expect(mocasaTokenExpiresAt(sentAt.getTime() + 72 * HOUR, sentAt)).toEqual(new Date(sentAt.getTime() + 24 * HOUR));
    expect(mocasaTokenExpiresAt(999_999_999_999, sentAt)).toEqual(new Date(sentAt.getTime() + 24 * HOUR));
  });

  it('has no expiry for a value that is not a number', () => {
    expect(mocasaTokenExpiresAt(undefined, sentAt)).toBeUndefined();
    expect(mocasaTokenExpiresAt('soon', sentAt)).toBeUndefined();
    expect(mocasaTokenExpiresAt(-1, sentAt)).toBeUndefined();
  });
});

describe('mocasa re-query schedule (D10)', () => {
  it('is +1, +2, +5, +10 min, then every 30 min up to 24 h', () => {
    const offsets = mocasaRequeryOffsetsMs();
    expect(offsets.slice(0, 6)).toEqual([1 * MINUTE, 2 * MINUTE, 5 * MINUTE, 10 * MINUTE, 40 * MINUTE, 70 * MINUTE]);
    expect(offsets[offsets.length - 1]).toBeLessThanOrEqual(24 * HOUR);
    expect(offsets[offsets.length - 1] + 30 * MINUTE).toBeGreaterThan(24 * HOUR);
  });

  it('gives the wait until the next offset, and nothing after the window', () => {
    expect(mocasaRequeryDelayMs(0)).toBe(1 * MINUTE);
    expect(mocasaRequeryDelayMs(1 * MINUTE)).toBe(1 * MINUTE);
    expect(mocasaRequeryDelayMs(3 * MINUTE)).toBe(2 * MINUTE);
    expect(mocasaRequeryDelayMs(10 * MINUTE)).toBe(30 * MINUTE);
    expect(mocasaRequeryDelayMs(24 * HOUR)).toBeUndefined();
  });
});

describe('mocasa create request (D6)', () => {
  const input = {
    paymentId: 'pay_1',
    reference: 'PLabc123',
    orderId: 'ORD-1',
    amount: Money.of(150000n, 'PHP'),
    customer: { id: 'cust-9' },
  };

  it('puts our reference in orderNo and in the returnUrl query', () => {
    const form = mocasaCreateOrderForm({ ...input, description: 'Shoes' }, 'cust-9', 'https://pay.example/');
    expect(form).toEqual({
      orderNo: 'PLabc123',
      amount: '1500.00',
      productName: 'Shoes',
      customerId: 'cust-9',
      returnUrl: 'https://pay.example/callbacks/mocasa?reference=PLabc123',
    });
    expect(mocasaReturnUrl('http://localhost:3000', 'PL-1')).toBe('http://localhost:3000/callbacks/mocasa?reference=PL-1');
  });

  it('names the product from the description, the items, or the order id, bounded', () => {
    expect(mocasaProductName({ orderId: 'O1', description: '  Bag ' })).toBe('Bag');
    expect(mocasaProductName({ orderId: 'O1', items: [{ name: 'Hat', quantity: 1, unitAmount: Money.of(1n, 'PHP') }, { name: 'Scarf', quantity: 2, unitAmount: Money.of(1n, 'PHP') }] })).toBe('Hat, Scarf');
    expect(mocasaProductName({ orderId: 'O1' })).toBe('Order O1');
    expect(mocasaProductName({ orderId: 'O1', description: 'x'.repeat(500) }).length).toBe(128);
  });

  it('accepts only references of ≤ 32 characters of [A-Za-z0-9-]', () => {
    expect(isMocasaReference('PL-abc-123')).toBe(true);
    expect(isMocasaReference('x'.repeat(33))).toBe(false);
    expect(isMocasaReference('PL_1')).toBe(false);
    expect(isMocasaReference(undefined)).toBe(false);
  });
});

describe('mocasa envelope and helpers', () => {
  it('parses the envelope and refuses anything without a boolean success', () => {
    expect(parseMocasaEnvelope({ success: true, code: '200', message: 'success', data: { a: 1 } })).toEqual({ success: true, code: '200', message: 'success', data: { a: 1 } });
    expect(parseMocasaEnvelope({ success: false, code: 401, message: 'x', data: null })).toEqual({ success: false, code: '401', message: 'x', data: undefined });
    expect(parseMocasaEnvelope({ success: 'true' })).toBeUndefined();
    expect(parseMocasaEnvelope([])).toBeUndefined();
    expect(parseMocasaEnvelope('ok')).toBeUndefined();
    expect(parseMocasaEnvelope(undefined)).toBeUndefined();
  });

  it('masks identity data to its last four characters', () => {
    expect(maskTail('123456789', 4)).toBe('*****6789');
    expect(maskTail('abc', 4)).toBe('***');
  });

  it('accepts only absolute http(s) payment links', () => {
    expect(isUsablePaymentLink('https://mocasa.example/pay/1')).toBe(true);
    expect(isUsablePaymentLink('javascript:alert(1)')).toBe(false);
    expect(isUsablePaymentLink('/pay/1')).toBe(false);
    expect(isUsablePaymentLink(42)).toBe(false);
  });
});
