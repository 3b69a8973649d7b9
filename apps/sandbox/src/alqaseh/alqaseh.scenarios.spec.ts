import { readAlqasehScenario, validateAlqasehScenario } from './alqaseh.scenarios';
import { toCsv, webhookTimestamp } from './alqaseh.simulator';

describe('simulator scenarios (§7)', () => {
  it.each(['pay', 'decline', 'fail', 'cancel', 'timeout', 'unknown-then-pay', 'unknown-then-fail', 'manual'])('accepts outcome %s', (outcome) => {
    expect(validateAlqasehScenario({ outcome })).toBeUndefined();
  });

  it.each([
    [{ outcome: 'explode' }, /outcome/],
    [{ outcome: 'pay', resolveAfterMs: -1 }, /resolveAfterMs/],
    [{ outcome: 'pay', wrongAmount: 'lots' }, /wrongAmount/],
    [{ outcome: 'pay', webhook: { repeat: 0 } }, /repeat/],
    [{ outcome: 'pay', webhook: { repeat: 11 } }, /repeat/],
    [{ outcome: 'pay', webhook: { form: 'yes' } }, /boolean/],
    [{ outcome: 'pay', webhook: { sparkle: true } }, /not a control/],
    [{ outcome: 'pay', redirect: { mode: 'carrier-pigeon' } }, /mode/],
    [{ outcome: 'pay', redirect: 'direct' }, /object/],
  ])('refuses %j', (scenario, message) => {
    expect(validateAlqasehScenario(scenario as never)).toMatch(message);
  });

  it('fills defaults from the simulator options', () => {
    expect(readAlqasehScenario(undefined, { redirectMode: 'direct', webhookForm: true })).toEqual({
      outcome: 'manual',
      resolveAfterMs: 60_000,
      wrongAmount: 0,
      redirect: { mode: 'direct', delayMs: 0, repeat: 1, drop: false, statusLies: false },
      webhook: { delayMs: 0, repeat: 1, drop: false, badSignature: false, noSignature: false, form: true, statusLies: false },
    });
    const read = readAlqasehScenario({ outcome: 'pay', wrongAmount: true, webhook: { repeat: 2, form: false } }, { redirectMode: 'browser', webhookForm: true });
    expect(read.wrongAmount).toBe(1000);
    expect(read.webhook).toMatchObject({ repeat: 2, form: false });
    expect(readAlqasehScenario({ outcome: 'decline', webhook: { 'status-lies': true } }, { redirectMode: 'browser', webhookForm: false }).webhook.statusLies).toBe(true);
    expect(validateAlqasehScenario({ outcome: 'decline', webhook: { 'status-lies': true } })).toBeUndefined();
    expect(readAlqasehScenario({ outcome: 'pay', wrongAmount: -250 }, { redirectMode: 'browser', webhookForm: false }).wrongAmount).toBe(-250);
  });

  it('formats the webhook timestamp as YYYYMMDDHHMMSS UTC', () => {
    expect(webhookTimestamp(new Date('2025-01-31T12:00:05.123Z'))).toBe('20250131120005');
  });

  it('writes CSV with quoting and inert formula cells', () => {
    const csv = toCsv([{ payment_id: 'p1', order_id: 'A', amount: 5, description: 'a, "b"', merchant_email: '=cmd()', custom_data: { k: 1 } }]);
    const [header, row] = csv.trim().split('\r\n');
    expect(header.split(',').slice(0, 4)).toEqual(['payment_id', 'order_id', 'amount', 'currency']);
    expect(row).toContain('"a, ""b"""');
    expect(row).toContain("'=cmd()");
    expect(row).toContain('"{""k"":1}"');
  });
});
