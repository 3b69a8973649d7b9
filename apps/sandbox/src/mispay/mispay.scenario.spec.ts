import { readScenario } from './mispay.scenario';

describe('MIS Pay scenario settings', () => {
  it('defaults every control to off', () => {
    expect(readScenario({ outcome: 'pay' })).toEqual({
      outcome: 'pay',
      resolveAfterMs: 60_000,
      callbackDelayMs: 0,
      callbackRepeat: 1,
      callbackDrop: false,
      corrupt: false,
      singleBase64: false,
      callbackWrongAppId: false,
      includeCheckoutId: false,
      webhookDelayMs: 0,
      webhookRepeat: 1,
      webhookDrop: false,
      wrongAppId: false,
      wrongAmountMinor: 0n,
    });
  });

  it('reads flat, nested and shorthand spellings alike', () => {
    const flat = readScenario({ outcome: 'pay', callbackMode: 'direct', callbackDelayMs: 5, callbackRepeat: 2, corrupt: true, webhookDrop: true, wrongAppId: true, resolveAfter: 9 });
    const nested = readScenario({ outcome: 'pay', callback: { mode: 'direct', delayMs: 5, repeat: 2, corrupt: true }, webhook: { drop: true, wrongAppId: true }, resolveAfterMs: 9 });
    expect(nested).toEqual(flat);
    expect(readScenario({ outcome: 'cancel', callback: 'direct' })).toMatchObject({ callbackMode: 'direct' });
  });

  it('reads wrongAmount as halalas, true as 1.00 SAR', () => {
    expect(readScenario({ outcome: 'pay', wrongAmount: true })).toMatchObject({ wrongAmountMinor: 100n });
    expect(readScenario({ outcome: 'pay', wrongAmount: -250 })).toMatchObject({ wrongAmountMinor: -250n });
  });

  it('caps repeats and explains what is wrong', () => {
    expect(readScenario({ outcome: 'pay', webhookRepeat: 1000 })).toMatchObject({ webhookRepeat: 10 });
    expect(readScenario({ outcome: 'explode' })).toContain('outcome must be one of');
    const problems = readScenario({ outcome: 'pay', callbackDelayMs: -1, corrupt: 'yes', callback: 'pigeon', wrongAmount: 1.5 });
    expect(typeof problems).toBe('string');
    expect(String(problems).split('; ').sort()).toEqual([
      'callback delayMs must be a non-negative number',
      'callback mode must be browser or direct',
      'corrupt must be true or false',
      'wrongAmount must be true or an integer delta in halalas',
    ]);
  });
});
