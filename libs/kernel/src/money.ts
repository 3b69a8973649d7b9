import { DomainError } from './domain-error';

/**
 * Minor-unit scales the ledger uses. IRR and IQD are 0 on purpose: ISO 4217 says 2 and 3, but rials and
 * fils are not in use and every gateway here counts whole rials / dinars.
 */
export const CURRENCY_SCALES = { IRR: 0, IQD: 0, SAR: 2, PHP: 2 } as const;
export type Currency = keyof typeof CURRENCY_SCALES;
export const CURRENCIES = Object.keys(CURRENCY_SCALES) as Currency[];

/** TOMAN is a unit of account, not a currency: one toman is ten rials. */
export const RIALS_PER_TOMAN = 10n;

const DECIMAL_PATTERN = /^(-?)(\d+)(?:\.(\d+))?$/;
const INTEGER_PATTERN = /^-?\d+$/;
/** A decimal string longer than this is refused before it reaches BigInt, so input cannot cost unbounded work. */
const DECIMAL_TEXT_LENGTH_MAX = 40;

export function isCurrency(value: unknown): value is Currency {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(CURRENCY_SCALES, value);
}

export function assertCurrency(value: unknown): Currency {
  if (!isCurrency(value)) {
    throw new DomainError('MONEY.UNSUPPORTED_CURRENCY', `unsupported currency ${JSON.stringify(value)}`, {
      supported: CURRENCIES,
    });
  }
  return value;
}

/** An exact amount: integer minor units of one currency. Never a float. */
export class Money {
  private constructor(
    readonly amountMinor: bigint,
    readonly currency: Currency,
  ) {}

  static of(amountMinor: bigint | number | string, currency: string): Money {
    return new Money(toMinorUnits(amountMinor), assertCurrency(currency));
  }

  static zero(currency: string): Money {
    return new Money(0n, assertCurrency(currency));
  }

  /** Parses a decimal string in major units ("215.00" SAR → 21500). More decimals than the scale is an error, never rounded. */
  static parse(decimal: string, currency: string): Money {
    const cur = assertCurrency(currency);
    const scale = CURRENCY_SCALES[cur];
    const text = typeof decimal === 'string' ? decimal.trim() : '';
    const match = text.length <= DECIMAL_TEXT_LENGTH_MAX ? DECIMAL_PATTERN.exec(text) : null;
    if (!match) {
      throw new DomainError('MONEY.INVALID_AMOUNT', `not a decimal amount: ${JSON.stringify(decimal)}`);
    }
    const [, sign, whole, fraction = ''] = match;
    if (fraction.length > scale) {
      throw new DomainError(
        'MONEY.FRACTIONAL_MINOR_UNITS',
        `${cur} has ${scale} decimal places; ${JSON.stringify(decimal)} has ${fraction.length}`,
      );
    }
    const minor = BigInt(whole + fraction.padEnd(scale, '0'));
    return new Money(sign === '-' ? -minor : minor, cur);
  }

  /** Converts a TOMAN amount (whole tomans, minor units of nothing) into IRR. */
  static fromToman(tomans: bigint | number | string): Money {
    return new Money(toMinorUnits(tomans) * RIALS_PER_TOMAN, 'IRR');
  }

  get scale(): number {
    return CURRENCY_SCALES[this.currency];
  }

  /** Major units as an exact decimal string with exactly `scale` decimals ("215.00"). */
  toDecimalString(): string {
    const negative = this.amountMinor < 0n;
    const digits = (negative ? -this.amountMinor : this.amountMinor).toString().padStart(this.scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.scale);
    const fraction = digits.slice(digits.length - this.scale);
    return `${negative ? '-' : ''}${whole}${this.scale > 0 ? `.${fraction}` : ''}`;
  }

  add(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amountMinor + other.amountMinor, this.currency);
  }

  subtract(other: Money): Money {
    this.assertSameCurrency(other);
    return new Money(this.amountMinor - other.amountMinor, this.currency);
  }

  negate(): Money {
    return new Money(-this.amountMinor, this.currency);
  }

  compare(other: Money): -1 | 0 | 1 {
    this.assertSameCurrency(other);
    return this.amountMinor < other.amountMinor ? -1 : this.amountMinor > other.amountMinor ? 1 : 0;
  }

  equals(other: Money): boolean {
    return this.currency === other.currency && this.amountMinor === other.amountMinor;
  }

  isZero(): boolean {
    return this.amountMinor === 0n;
  }

  isPositive(): boolean {
    return this.amountMinor > 0n;
  }

  isNegative(): boolean {
    return this.amountMinor < 0n;
  }

  /** The JSON shape used everywhere: amounts travel as strings of integer minor units. */
  toJSON(): { amountMinor: string; currency: Currency } {
    return { amountMinor: this.amountMinor.toString(), currency: this.currency };
  }

  toString(): string {
    return `${this.toDecimalString()} ${this.currency}`;
  }

  private assertSameCurrency(other: Money): void {
    if (other.currency !== this.currency) {
      throw new DomainError('MONEY.CURRENCY_MISMATCH', `cannot combine ${this.currency} with ${other.currency}`, {
        left: this.currency,
        right: other.currency,
      });
    }
  }
}

/** Integer minor units from a bigint, a safe integer or an integer string; anything else is refused. */
export function toMinorUnits(value: bigint | number | string): bigint {
  if (typeof value === 'bigint') return value;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) {
      throw new DomainError('MONEY.FRACTIONAL_MINOR_UNITS', `minor units must be a safe integer, got ${value}`);
    }
    return BigInt(value);
  }
  if (typeof value === 'string' && value.length <= DECIMAL_TEXT_LENGTH_MAX && INTEGER_PATTERN.test(value)) {
    return BigInt(value);
  }
  throw new DomainError('MONEY.INVALID_AMOUNT', `minor units must be an integer, got ${JSON.stringify(value)}`);
}

/** Sums amounts of one currency; an empty list needs the currency to be named. */
export function sumMoney(amounts: readonly Money[], currency: Currency): Money {
  return amounts.reduce((total, next) => total.add(next), Money.zero(currency));
}
