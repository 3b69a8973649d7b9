import { isJibitAuthError, jibitErrorToGatewayError, parseJibitError } from './jibit.errors';

const reply = (status: number, body: unknown) => ({ status, json: typeof body === 'string' ? undefined : body, text: typeof body === 'string' ? body : JSON.stringify(body) });

describe('jibit errors: envelope parsing (D14)', () => {
  it('reads the status, every code, the messages and the fingerprint', () => {
    const parsed = parseJibitError(
      reply(400, {
        fingerprint: 'f00d-1',
        errors: [{ code: 'order_create.amount.positive', message: 'more than 99' }, { code: 'order_create.callback_url.is_required' }],
      }),
    );
    expect(parsed).toEqual({
      httpStatus: 400,
      codes: ['order_create.amount.positive', 'order_create.callback_url.is_required'],
      messages: ['more than 99'],
      fingerprint: 'f00d-1',
    });
  });

  it('keeps a non-JSON body as text with the status', () => {
    const parsed = parseJibitError(reply(502, '<html><body>Bad Gateway</body></html>'));
    expect(parsed).toEqual({ httpStatus: 502, codes: [], messages: [], text: '<html><body>Bad Gateway</body></html>' });
  });

  it('tolerates malformed entries in the errors array', () => {
    expect(parseJibitError(reply(400, { errors: [null, 7, { code: 5 }, { code: 'web.invalid_or_missing_body' }] })).codes).toEqual(['web.invalid_or_missing_body']);
  });
});

describe('jibit errors: auth detection (D4)', () => {
  it.each([
    [401, []],
    [400, ['token.verification.failed']],
    [403, ['token.verification_failed']],
    [400, ['security.bad_credentials']],
    [403, ['user.not.authenticated']],
    [400, ['order_create.amount.positive', 'token.channel_not_active']],
  ])('HTTP %s with %j is an auth error', (httpStatus, codes) => {
    expect(isJibitAuthError({ httpStatus, codes })).toBe(true);
  });

  it.each([
    [400, ['order_create.amount.positive']],
    [404, ['order.not_found']],
    [500, ['service.internal_error']],
    [403, ['user.not_authenticated_elsewhere']],
    [400, ['xtoken.verification.failed']],
  ])('HTTP %s with %j is not', (httpStatus, codes) => {
    expect(isJibitAuthError({ httpStatus, codes })).toBe(false);
  });
});

describe('jibit errors: mapping to GatewayError', () => {
  const map = (status: number, codes: string[], context = {}) =>
    jibitErrorToGatewayError({ httpStatus: status, codes, messages: [], fingerprint: 'fp-1' }, { operation: 'create-order', ...context });

  it('auth → AUTH_FAILED, safe to retry (the request was not executed)', () => {
    const error = map(401, ['token.verification.failed']);
    expect(error.code).toBe('GATEWAY.AUTH_FAILED');
    expect(error.retrySafe).toBe(true);
    expect(error.outcomeUncertain).toBe(false);
  });

  it('5xx → UNAVAILABLE; uncertain for create, repeatable for reads', () => {
    const create = map(500, ['service.internal_error'], { outcomeUncertainOnServerError: true, repeatable: false });
    expect(create.code).toBe('GATEWAY.UNAVAILABLE');
    expect(create.outcomeUncertain).toBe(true);
    expect(create.retrySafe).toBe(false);
    const inquiry = map(503, [], { repeatable: true });
    expect(inquiry.retrySafe).toBe(true);
    expect(inquiry.outcomeUncertain).toBe(false);
    expect(map(429, ['too_many_requests']).code).toBe('GATEWAY.UNAVAILABLE');
  });

  it.each([
    [404, ['order.not_found'], 'GATEWAY.NOT_FOUND'],
    [404, ['merchant.not_found'], 'GATEWAY.CONFIGURATION'],
    [404, ['web.no_handler'], 'GATEWAY.CONFIGURATION'],
    [404, [], 'GATEWAY.CONFIGURATION'],
    [400, ['web.invalid_or_missing_body'], 'GATEWAY.INVALID_REQUEST'],
    [400, ['binding.type_mismatch'], 'GATEWAY.INVALID_REQUEST'],
    [400, ['order_create.callback_url.is_required'], 'GATEWAY.INVALID_REQUEST'],
    [405, ['web.method_not_allowed'], 'GATEWAY.INVALID_REQUEST'],
    [406, ['web.not_acceptable'], 'GATEWAY.INVALID_REQUEST'],
    [415, ['web.unsupported_media_type'], 'GATEWAY.INVALID_REQUEST'],
    [400, ['order_create.amount.positive'], 'GATEWAY.REJECTED'],
    [400, ['order_create.reference_number.duplicated'], 'GATEWAY.REJECTED'],
    [400, ['merchant.inactive'], 'GATEWAY.REJECTED'],
    [302, [], 'GATEWAY.BAD_RESPONSE'],
  ])('HTTP %s %j → %s', (status, codes, code) => {
    expect(map(status as number, codes as string[]).code).toBe(code);
  });

  it('carries status, every code and the fingerprint in the details', () => {
    const error = map(400, ['order_create.amount.positive', 'merchant.inactive']);
    expect(error.gatewayCode).toBe('order_create.amount.positive');
    expect(error.httpStatus).toBe(400);
    expect(error.details).toMatchObject({ httpStatus: 400, codes: ['order_create.amount.positive', 'merchant.inactive'], fingerprint: 'fp-1' });
  });
});
