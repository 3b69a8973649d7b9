import { Money } from '@payledger/kernel';
import type { InboundRequest } from '../port/gateway.types';
import { parseMocasaInbound } from './mocasa.inbound';

const SECRET = 's3cr3t';
const options = { webhookSecret: SECRET, isTransferSerial: (v: string) => v.startsWith('PO') };
const RAW_MO123 = 'C97SA6aBJ4uxaj0n5jm8gjek3kgMCE3AvL+ZoKXv9zA=';
const HEX_MO123 = 'MGJkZWQyMDNhNjgxMjc4YmIxNmEzZDI3ZTYzOWJjODIzN2E0ZGU0ODBjMDg0ZGMwYmNiZjk5YTBhNWVmZjczMA==';
const HEX_UPPER_MO123 = 'MEJERUQyMDNBNjgxMjc4QkIxNkEzRDI3RTYzOUJDODIzN0E0REU0ODBDMDg0REMwQkNCRjk5QTBBNUVGRjczMA==';
const RAW_MO124_FAILED = 'I5Hdnq2uqVsj+QFqUHjB1nAPhw1KbD3oPPuGQZ4pCf8=';

function webhook(body: Record<string, unknown>, headers: Record<string, string | undefined> = {}, encoding: 'json' | 'form' = 'json'): InboundRequest {
  const rawBody = encoding === 'json' ? JSON.stringify(body) : new URLSearchParams(Object.entries(body).map(([k, v]): [string, string] => [k, String(v)])).toString();
  return {
    kind: 'webhook',
    method: 'POST',
    headers: { 'content-type': encoding === 'json' ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    query: {},
    body: undefined,
    rawBody,
    receivedAt: new Date('2026-03-01T09:00:00Z'),
  };
}

const paid = { orderNo: 'MO123', amount: 1500, txStatus: 'success', txMessage: 'ok', txTime: '1772355600000', paymentMode: 'Mocasa BNPL' };

describe('mocasa webhook (D8, D9)', () => {
  it('accepts base64 of the raw digest, looks the order up by our reference and claims the amount', () => {
    const verdict = parseMocasaInbound(webhook(paid, { signature: RAW_MO123 }), options);
    expect(verdict).toMatchObject({
      accepted: true,
      authenticity: 'verified',
      lookup: { by: 'reference', value: 'MO123' },
      dedupKey: 'MO123|success',
      subject: 'payment',
      claimed: { status: 'success', outcome: 'paid' },
    });
    expect(verdict.claimed?.amount?.equals(Money.parse('1500.00', 'PHP'))).toBe(true);
    expect(verdict.recorded).toMatchObject({ signatureForm: 'base64-raw-digest', fields: { orderNo: 'MO123', amount: 1500 } });
  });

  it.each([
    [HEX_MO123, 'base64-hex-lower'],
    [HEX_UPPER_MO123, 'base64-hex-upper'],
  ])('accepts base64 of the hex digest %#, recording which form matched', (signature, form) => {
    const verdict = parseMocasaInbound(webhook(paid, { signature }), options);
    expect(verdict.accepted).toBe(true);
    expect(verdict.recorded.signatureForm).toBe(form);
  });

  it('reads a form-encoded body as well (amount as text)', () => {
    const verdict = parseMocasaInbound(webhook({ ...paid, orderNo: 'MO124', txStatus: 'failed', amount: '99.50' }, { signature: RAW_MO124_FAILED }, 'form'), options);
    expect(verdict).toMatchObject({ accepted: true, dedupKey: 'MO124|failed', claimed: { outcome: 'failed' } });
    expect(verdict.claimed?.amount?.amountMinor).toBe(9950n);
  });

  it('uses the body the caller parsed when there is no raw text', () => {
    const request = { ...webhook(paid, { signature: RAW_MO123 }), rawBody: undefined, body: paid };
    expect(parseMocasaInbound(request, options).accepted).toBe(true);
  });

  it.each([
    ['missing', undefined],
    ['empty', ''],
    ['wrong', RAW_MO124_FAILED],
    ['bare hex', '0bded203a681278bb16a3d27e639bc8237a4de480c084dc0bcbf99a0a5eff730'],
  ])('refuses a %s signature as forged (CALLBACK.SIGNATURE_INVALID)', (_name, signature) => {
    const verdict = parseMocasaInbound(webhook(paid, { signature }), options);
    expect(verdict).toMatchObject({ accepted: false, authenticity: 'forged', rejection: { code: 'CALLBACK.SIGNATURE_INVALID' } });
    expect(verdict.dedupKey).toBeUndefined();
  });

  it('refuses a correctly signed status for a changed one: the signature covers txStatus', () => {
    expect(parseMocasaInbound(webhook({ ...paid, txStatus: 'failed' }, { signature: RAW_MO123 }), options).rejection?.code).toBe('CALLBACK.SIGNATURE_INVALID');
  });

  it('dedups on (orderNo, txStatus) whatever the amount says', () => {
    const a = parseMocasaInbound(webhook(paid, { signature: RAW_MO123 }), options);
    const b = parseMocasaInbound(webhook({ ...paid, amount: 1, txMessage: 'again' }, { signature: RAW_MO123 }), options);
    expect(a.dedupKey).toBe(b.dedupKey);
    expect(b.claimed?.amount?.amountMinor).toBe(100n);
  });

  it('refuses an amount with more than two decimals, an exponent or a sign', () => {
    for (const amount of [1500.555, '1e3', -1]) {
      expect(parseMocasaInbound(webhook({ ...paid, amount }, { signature: RAW_MO123 }), options).rejection?.code).toBe('CALLBACK.INVALID');
    }
  });

  it('accepts a notice without an amount (the payout payload is undocumented)', () => {
    const { amount: _omit, ...noAmount } = paid;
    const verdict = parseMocasaInbound(webhook(noAmount, { signature: RAW_MO123 }), options);
    expect(verdict.accepted).toBe(true);
    expect(verdict.claimed?.amount).toBeUndefined();
  });

  it('marks our transfer serials as payout notices', () => {
    const serial = 'PO-1';
    const { mocasaSignatureCandidates } = jest.requireActual('./mocasa.crypto') as typeof import('./mocasa.crypto');
    const signature = mocasaSignatureCandidates(serial, 'success', SECRET)['base64-raw-digest'];
    const verdict = parseMocasaInbound(webhook({ ...paid, orderNo: serial }, { signature }), options);
    expect(verdict).toMatchObject({ accepted: true, subject: 'payout', lookup: { by: 'reference', value: serial }, claimed: { status: 'success', outcome: undefined } });
  });

  it.each([
    ['a GET', { ...webhook(paid, { signature: RAW_MO123 }), method: 'GET' }, 'CALLBACK.METHOD_NOT_ALLOWED'],
    ['garbage JSON', { ...webhook(paid, { signature: RAW_MO123 }), rawBody: '{nope' }, 'CALLBACK.INVALID'],
    ['a JSON array', { ...webhook(paid, { signature: RAW_MO123 }), rawBody: '[1]' }, 'CALLBACK.INVALID'],
    ['no orderNo', webhook({ ...paid, orderNo: undefined }, { signature: RAW_MO123 }), 'CALLBACK.INVALID'],
    ['no txStatus', webhook({ ...paid, txStatus: undefined }, { signature: RAW_MO123 }), 'CALLBACK.INVALID'],
    ['an unknown content type and no parsed body', { ...webhook(paid, { signature: RAW_MO123 }), headers: { 'content-type': 'text/plain', signature: RAW_MO123 } }, 'CALLBACK.INVALID'],
  ])('refuses %s', (_name, request, code) => {
    expect(parseMocasaInbound(request as InboundRequest, options).rejection?.code).toBe(code);
  });

  it('keeps only a tail of the signature in the record', () => {
    const verdict = parseMocasaInbound(webhook(paid, { signature: RAW_MO123 }), options);
    expect(JSON.stringify(verdict.recorded)).not.toContain(RAW_MO123);
  });
});

describe('mocasa return (D7)', () => {
  const ret = (query: Record<string, string | string[]>, method = 'GET'): InboundRequest => ({
    kind: 'return',
    method,
    headers: {},
    query,
    body: undefined,
    receivedAt: new Date('2026-03-01T09:00:00Z'),
  });

  it('names the attempt by the reference in our returnUrl and trusts nothing else', () => {
    const verdict = parseMocasaInbound(ret({ reference: 'PLabc', txStatus: 'success', orderNo: 'PLother', amount: '1' }), options);
    expect(verdict).toMatchObject({ accepted: true, authenticity: 'unauthenticated', lookup: { by: 'reference', value: 'PLabc' }, claimed: {}, subject: 'payment' });
    // Whatever else it carries, a second return of the attempt is the same notice.
    expect(verdict.dedupKey).toBe('mocasa:return:PLabc');
    expect(parseMocasaInbound(ret({ reference: 'PLabc', txStatus: 'failed' }), options).dedupKey).toBe(verdict.dedupKey);
    expect(verdict.recorded.query).toMatchObject({ txStatus: 'success' });
  });

  it('takes the first reference when the parameter is repeated', () => {
    expect(parseMocasaInbound(ret({ reference: ['PLa', 'PLb'] }), options).lookup?.value).toBe('PLa');
  });

  it('refuses a return without a valid reference, or by an odd method', () => {
    expect(parseMocasaInbound(ret({}), options).rejection?.code).toBe('CALLBACK.INVALID');
    expect(parseMocasaInbound(ret({ reference: 'bad ref!' }), options).rejection?.code).toBe('CALLBACK.INVALID');
    expect(parseMocasaInbound(ret({ reference: 'PLa' }, 'DELETE'), options).rejection?.code).toBe('CALLBACK.METHOD_NOT_ALLOWED');
    expect(parseMocasaInbound(ret({ reference: 'PLa' }, 'POST'), options).accepted).toBe(true);
  });
});
