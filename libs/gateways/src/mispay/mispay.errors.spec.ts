import { isTokenRejected, readWireError, toGatewayError } from './mispay.errors';

describe('MIS Pay error envelopes', () => {
  it('reads shape A with one or two colons', () => {
    expect(readWireError({ status: 'error : 400', result: 'ExceptionType.ME01' })).toEqual({ shape: 'A', gatewayCode: 'ME01', envelopeHttpCode: 400 });
    expect(readWireError({ status: 'error :: 400', result: 'ExceptionType.ME04' })).toEqual({ shape: 'A', gatewayCode: 'ME04', envelopeHttpCode: 400 });
    expect(readWireError({ status: 'error:404', result: 'ME05' })).toEqual({ shape: 'A', gatewayCode: 'ME05', envelopeHttpCode: 404 });
  });

  it('reads shape B', () => {
    expect(readWireError({ status: 'error', result: { code: 401, message: 'ME10' } })).toEqual({ shape: 'B', gatewayCode: 'ME10', envelopeHttpCode: 401 });
    expect(readWireError({ status: 'error', result: { code: '400', message: 'ExceptionType.ME97' } })).toEqual({ shape: 'B', gatewayCode: 'ME97', envelopeHttpCode: 400 });
  });

  it('does not take a success or a bare failed track-checkout reply for an error', () => {
    expect(readWireError({ status: 'success', result: {} })).toBeUndefined();
    expect(readWireError({ status: 'error', orderId: 'ATT-1', purchaseAmount: 1 })).toBeUndefined();
    expect(readWireError({ foo: 'bar' })).toBeUndefined();
  });

  it('knows which failures call for a new token', () => {
    expect(isTokenRejected(401, undefined)).toBe(true);
    expect(isTokenRejected(400, { shape: 'B', gatewayCode: 'ME11' })).toBe(true);
    expect(isTokenRejected(200, { shape: 'B', gatewayCode: 'ME10' })).toBe(true);
    expect(isTokenRejected(400, { shape: 'A', gatewayCode: 'ME03' })).toBe(false);
  });

  it.each([
    ['ME01', 400, 'GATEWAY.AUTH_FAILED', false],
    ['ME03', 400, 'GATEWAY.AUTH_FAILED', false],
    ['ME04', 400, 'GATEWAY.REJECTED', false],
    ['ME05', 400, 'GATEWAY.NOT_FOUND', false],
    ['ME10', 401, 'GATEWAY.AUTH_FAILED', true],
    ['ME11', 401, 'GATEWAY.AUTH_FAILED', true],
    ['ME97', 400, 'GATEWAY.INVALID_REQUEST', false],
    ['ME42', 400, 'GATEWAY.REJECTED', false],
    ['ME04', 503, 'GATEWAY.UNAVAILABLE', true],
  ])('%s at HTTP %s → %s', (code, status, expected, retrySafe) => {
    const error = toGatewayError('op', status as number, { shape: 'A', gatewayCode: code as string });
    expect(error.code).toBe(expected);
    expect(error.retrySafe).toBe(retrySafe);
    expect(error.gatewayCode).toBe(code);
    expect(error.httpStatus).toBe(status);
  });

  it('maps bare HTTP failures', () => {
    expect(toGatewayError('op', 502, undefined).code).toBe('GATEWAY.UNAVAILABLE');
    expect(toGatewayError('op', 401, undefined).code).toBe('GATEWAY.AUTH_FAILED');
    expect(toGatewayError('op', 404, undefined).code).toBe('GATEWAY.NOT_FOUND');
    expect(toGatewayError('op', 418, { shape: 'other' }).code).toBe('GATEWAY.REJECTED');
  });
});
