import { atipayFailureError, atipayServerError, classifyAtipayFailure } from './atipay.errors';
import { AtipayFailure } from './atipay.transformers';

const failure = (gatewayCode: string, httpStatus = 200, source: AtipayFailure['source'] = 'errorCode'): AtipayFailure => ({ gatewayCode, message: 'm', httpStatus, source });

describe('AtiPay error mapping', () => {
  it.each([
    [failure('InvalidApiKey'), 'auth', 'GATEWAY.AUTH_FAILED'],
    [failure('ApiKeyExpired'), 'auth', 'GATEWAY.AUTH_FAILED'],
    [failure('HTTP_401', 401, 'httpStatus'), 'auth', 'GATEWAY.AUTH_FAILED'],
    [failure('Anything', 403), 'auth', 'GATEWAY.AUTH_FAILED'],
    [failure('MerchantIpAddressIsInvalid'), 'configuration', 'GATEWAY.CONFIGURATION'],
    [failure('TokenRequired'), 'configuration', 'GATEWAY.CONFIGURATION'],
    [failure('TerminalNotFound'), 'configuration', 'GATEWAY.CONFIGURATION'],
    [failure('InvalidParameters'), 'refused', 'GATEWAY.REJECTED'],
    [failure('DuplicateInvoiceNumber'), 'refused', 'GATEWAY.REJECTED'],
    [failure('faMessage', 200, 'faMessage'), 'refused', 'GATEWAY.REJECTED'],
    [failure('HTTP_404', 404, 'httpStatus'), 'refused', 'GATEWAY.REJECTED'],
  ])('%j is %s → %s', (f, kind, code) => {
    expect(classifyAtipayFailure(f)).toBe(kind);
    const error = atipayFailureError('get-token', f);
    expect(error).toMatchObject({ code, retrySafe: true, gatewayCode: f.gatewayCode, httpStatus: f.httpStatus });
  });

  it('a message that mentions an api key is only auth when it is an errorCode', () => {
    expect(classifyAtipayFailure({ gatewayCode: 'message', message: 'apiKey wrong', httpStatus: 200, source: 'message' })).toBe('refused');
  });

  it('5xx is UNAVAILABLE, uncertain and safe to repeat', () => {
    expect(atipayServerError('verify-payment', 503)).toMatchObject({ code: 'GATEWAY.UNAVAILABLE', outcomeUncertain: true, retrySafe: true, httpStatus: 503 });
  });
});
