import { hasAlqasehErrorCode, parseAlqasehErrorBody, toAlqasehError } from './alqaseh.errors';

describe('alqaseh errors (§3.3)', () => {
  it('reads the envelope and ignores other shapes', () => {
    expect(parseAlqasehErrorBody({ err: 'bad', error_code: 'invalid_request', reference_code: 'ref_1' })).toEqual({ err: 'bad', error_code: 'invalid_request', reference_code: 'ref_1' });
    expect(parseAlqasehErrorBody('<html>')).toEqual({});
    expect(parseAlqasehErrorBody([1])).toEqual({});
    expect(parseAlqasehErrorBody({ error_code: 42 }).error_code).toBe('42');
  });

  it('treats a reply with error_code as an error', () => {
    expect(hasAlqasehErrorCode({ error_code: 'x' })).toBe(true);
    expect(hasAlqasehErrorCode({ payment_id: 'p' })).toBe(false);
    expect(hasAlqasehErrorCode(undefined)).toBe(false);
  });

  it.each([
    [401, { err: 'no', error_code: 'unauthorized' }, 'GATEWAY.AUTH_FAILED', false],
    [403, {}, 'GATEWAY.AUTH_FAILED', false],
    [500, { error_code: 'internal_error' }, 'GATEWAY.UNAVAILABLE', true],
    [503, undefined, 'GATEWAY.UNAVAILABLE', true],
    [429, {}, 'GATEWAY.UNAVAILABLE', true],
    [404, { error_code: 'not_found' }, 'GATEWAY.NOT_FOUND', true],
    [400, { error_code: 'invalid_state' }, 'GATEWAY.REJECTED', false],
    [400, { error_code: 'invalid_request' }, 'GATEWAY.INVALID_REQUEST', false],
    [400, { error_code: 'unsupported_transaction_type' }, 'GATEWAY.INVALID_REQUEST', false],
    [200, { error_code: 'something' }, 'GATEWAY.REJECTED', false],
  ])('HTTP %s %j → %s (retrySafe %s)', (status, body, code, retrySafe) => {
    const error = toAlqasehError('get-payment', status, body);
    expect(error.code).toBe(code);
    expect(error.retrySafe).toBe(retrySafe);
    expect(error.httpStatus).toBe(status);
  });

  it('keeps the gateway code and reference for the record', () => {
    const error = toAlqasehError('revoke', 400, { err: 'cannot revoke a succeeded payment', error_code: 'invalid_state', reference_code: 'ref_9' });
    expect(error.gatewayCode).toBe('invalid_state');
    expect(error.details).toEqual({ operation: 'revoke', referenceCode: 'ref_9' });
    expect(error.message).toContain('cannot revoke');
  });
});
