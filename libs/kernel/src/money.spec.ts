import { DomainError } from './domain-error';
import { Money, sumMoney, toMinorUnits } from './money';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (error) {
    return error instanceof DomainError ? error.code : `not a DomainError: ${String(error)}`;
  }
  return undefined;
}

describe('Money', () => {
  it.each([
    ['215.00', 'SAR', 21500n, '215.00'],
    ['215', 'SAR', 21500n, '215.00'],
    ['0.05', 'SAR', 5n, '0.05'],
    ['1500.5', 'PHP', 150050n, '1500.50'],
    ['-12.34', 'PHP', -1234n, '-12.34'],
    ['200000', 'IRR', 200000n, '200000'],
    ['25000', 'IQD', 25000n, '25000'],
    ['9007199254740993.01', 'SAR', 900719925474099301n, '9007199254740993.01'],
  ])('parses %s %s exactly into %s minor units and formats it back as %s', (text, currency, minor, formatted) => {
    const money = Money.parse(text, currency);
    expect(money.amountMinor).toBe(minor);
    expect(money.currency).toBe(currency);
    expect(money.toDecimalString()).toBe(formatted);
  });

  it.each([
    ['1.001', 'SAR'],
    ['0.5', 'IRR'],
    ['1.1', 'IQD'],
  ])('refuses %s %s: more decimals than the currency has is never rounded', (text, currency) => {
    expect(codeOf(() => Money.parse(text, currency))).toBe('MONEY.FRACTIONAL_MINOR_UNITS');
  });

  it.each(['', '1e3', '1,5', ' . ', '0x10', '+1', '1.', '.5', 'NaN'])('refuses malformed text %j', (text) => {
    expect(codeOf(() => Money.parse(text, 'SAR'))).toBe('MONEY.INVALID_AMOUNT');
  });

  it('refuses an unsupported currency, including TOMAN which is not a currency', () => {
    expect(codeOf(() => Money.parse('1', 'USD'))).toBe('MONEY.UNSUPPORTED_CURRENCY');
    expect(codeOf(() => Money.of(1n, 'TOMAN'))).toBe('MONEY.UNSUPPORTED_CURRENCY');
  });

  it('converts TOMAN to IRR at ten rials a toman', () => {
    expect(Money.fromToman(20000).equals(Money.of(200000n, 'IRR'))).toBe(true);
    expect(Money.fromToman('7').amountMinor).toBe(70n);
  });

  it('adds, subtracts and compares within one currency', () => {
    const a = Money.of(1050n, 'SAR');
    const b = Money.of('25', 'SAR');
    expect(a.add(b).amountMinor).toBe(1075n);
    expect(a.subtract(b).amountMinor).toBe(1025n);
    expect(b.subtract(a).isNegative()).toBe(true);
    expect(a.compare(b)).toBe(1);
    expect(b.compare(a)).toBe(-1);
    expect(a.compare(Money.of(1050, 'SAR'))).toBe(0);
    expect(sumMoney([a, b, b], 'SAR').amountMinor).toBe(1100n);
    expect(sumMoney([], 'PHP').isZero()).toBe(true);
  });

  it('refuses to combine or compare different currencies', () => {
    const sar = Money.of(100n, 'SAR');
    const php = Money.of(100n, 'PHP');
    expect(codeOf(() => sar.add(php))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => sar.subtract(php))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(codeOf(() => sar.compare(php))).toBe('MONEY.CURRENCY_MISMATCH');
    expect(sar.equals(php)).toBe(false);
  });

  it('refuses fractional or unsafe minor units', () => {
    expect(codeOf(() => toMinorUnits(1.5))).toBe('MONEY.FRACTIONAL_MINOR_UNITS');
    expect(codeOf(() => toMinorUnits(2 ** 53))).toBe('MONEY.FRACTIONAL_MINOR_UNITS');
    expect(codeOf(() => toMinorUnits('1.5'))).toBe('MONEY.INVALID_AMOUNT');
    expect(toMinorUnits('-42')).toBe(-42n);
  });

  it('serialises amounts as strings of minor units', () => {
    expect(JSON.stringify(Money.of(21500n, 'SAR'))).toBe('{"amountMinor":"21500","currency":"SAR"}');
  });
});
