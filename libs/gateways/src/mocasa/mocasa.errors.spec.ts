import { isMocasaAuthRefusal, mocasaEnvelopeError, MocasaErrorContext, mocasaHttpError, mocasaUnusableReply } from './mocasa.errors';
import type { MocasaEnvelope } from './mocasa.types';

const read: MocasaErrorContext = { operation: 'query-order', authCodes: new Set(['401', '403']), notFoundCodes: new Set(['ORDER_NOT_FOUND']), mutating: false };
const write: MocasaErrorContext = { ...read, operation: 'create-order', notFoundCodes: new Set(), mutating: true };
const envelope = (code: string, message = 'm'): MocasaEnvelope => ({ success: false, code, message, data: undefined });

describe('mocasa errors (D3, D5)', () => {
  it('treats HTTP 401/403 and auth envelope codes as a refused token', () => {
    expect(isMocasaAuthRefusal(401, undefined, read.authCodes)).toBe(true);
    expect(isMocasaAuthRefusal(403, undefined, read.authCodes)).toBe(true);
    expect(isMocasaAuthRefusal(200, envelope('401'), read.authCodes)).toBe(true);
    expect(isMocasaAuthRefusal(200, envelope('ORDER_NOT_FOUND'), read.authCodes)).toBe(false);
    expect(isMocasaAuthRefusal(200, { success: true, code: '401', message: '', data: {} }, read.authCodes)).toBe(false);
  });

  it('maps envelope codes to gateway error codes, keeping Mocasa code and message', () => {
    const auth = mocasaEnvelopeError(envelope('403', 'token expired'), 200, read);
    expect(auth).toMatchObject({ code: 'GATEWAY.AUTH_FAILED', gatewayCode: '403', retrySafe: true });
    expect(auth.details).toMatchObject({ code: '403', message: 'token expired' });
    expect(mocasaEnvelopeError(envelope('ORDER_NOT_FOUND'), 200, read)).toMatchObject({ code: 'GATEWAY.NOT_FOUND', gatewayCode: 'ORDER_NOT_FOUND' });
    expect(mocasaEnvelopeError(envelope('400', 'amount is required'), 200, write)).toMatchObject({ code: 'GATEWAY.INVALID_REQUEST', gatewayCode: '400' });
    expect(mocasaEnvelopeError(envelope('DUPLICATE_ORDER_NO'), 200, write)).toMatchObject({ code: 'GATEWAY.REJECTED', gatewayCode: 'DUPLICATE_ORDER_NO' });
    expect(mocasaEnvelopeError(envelope('INSUFFICIENT_BALANCE'), 200, write)).toMatchObject({ code: 'GATEWAY.REJECTED' });
  });

  it('only treats the configured codes as not found', () => {
    expect(mocasaEnvelopeError(envelope('ORDER_NOT_FOUND'), 200, write).code).toBe('GATEWAY.REJECTED');
  });

  it('makes a 5xx uncertain for a write and repeatable for a read', () => {
    expect(mocasaEnvelopeError(envelope('500'), 500, write)).toMatchObject({ code: 'GATEWAY.UNAVAILABLE', outcomeUncertain: true, retrySafe: false });
    expect(mocasaHttpError(502, read)).toMatchObject({ code: 'GATEWAY.UNAVAILABLE', outcomeUncertain: false, retrySafe: true, httpStatus: 502 });
    expect(mocasaHttpError(503, write)).toMatchObject({ code: 'GATEWAY.UNAVAILABLE', outcomeUncertain: true });
  });

  it('maps bodies that are not the envelope by HTTP status', () => {
    expect(mocasaHttpError(401, read).code).toBe('GATEWAY.AUTH_FAILED');
    expect(mocasaHttpError(404, read).code).toBe('GATEWAY.REJECTED');
    expect(mocasaHttpError(429, read).code).toBe('GATEWAY.UNAVAILABLE');
  });

  it('marks an unreadable 2xx as a bad response, uncertain for writes', () => {
    expect(mocasaUnusableReply('empty body', 200, write)).toMatchObject({ code: 'GATEWAY.BAD_RESPONSE', outcomeUncertain: true });
    expect(mocasaUnusableReply('empty body', 200, read)).toMatchObject({ code: 'GATEWAY.BAD_RESPONSE', outcomeUncertain: false });
  });
});
