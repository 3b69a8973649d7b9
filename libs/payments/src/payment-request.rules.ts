import { GATEWAY_CAPABILITIES, GatewayName, isGatewayName } from '@payledger/gateways';
import { CURRENCY_SCALES, Money } from '@payledger/kernel';

/** One problem with one field of a request, as the 400 `REQUEST.INVALID` body lists it. */
export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export interface CreatePaymentRequest {
  gateway: GatewayName;
  orderId: string;
  amountMinor: string;
  currency: string;
  description?: string;
  returnUrl: string;
  customer: { id?: string; mobile?: string; email?: string; firstName?: string; lastName?: string; nationalCode?: string };
  items?: Array<{ sku?: string; name: string; quantity: number; unitAmountMinor: string }>;
  breakdown?: { shippingMinor?: string; vatMinor?: string; discountMinor?: string };
  metadata?: Record<string, unknown>;
}

export const ORDER_ID_LENGTH_MAX = 64;
export const DESCRIPTION_LENGTH_MAX = 255;
export const ITEMS_MAX = 100;
export const METADATA_BYTES_MAX = 4096;
/** Larger than any real payment in any of our currencies, small enough for every gateway's JSON integer. */
export const AMOUNT_MINOR_MAX = 10n ** 15n;
const MINOR_UNITS = /^(0|[1-9][0-9]{0,17})$/;
const ORDER_ID = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const MOBILE = /^\+?[0-9]{7,15}$/;

/**
 * Checks a create request completely — shape, money and each gateway's own requirements — before any
 * gateway is called. Returns every problem at once, so a merchant fixes them in one round.
 */
export function validateCreatePayment(body: unknown): { request?: CreatePaymentRequest; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const add = (field: string, code: string, message: string) => errors.push({ field, code, message });
  if (!isObject(body)) return { errors: [{ field: '', code: 'type', message: 'the body must be a JSON object' }] };

  const gateway = body.gateway;
  if (!isGatewayName(gateway)) add('gateway', 'enum', 'one of jibit, atipay, mispay, mocasa, alqaseh');
  const orderId = stringField(body, 'orderId', add, { required: true, max: ORDER_ID_LENGTH_MAX });
  if (orderId !== undefined && !ORDER_ID.test(orderId)) add('orderId', 'pattern', 'letters, digits and . _ : - only, starting with a letter or digit');
  const currency = stringField(body, 'currency', add, { required: true, max: 3 });
  if (currency !== undefined && !(currency in CURRENCY_SCALES)) add('currency', 'enum', `one of ${Object.keys(CURRENCY_SCALES).join(', ')} (TOMAN is converted to IRR ×10 by the caller)`);
  if (currency !== undefined && isGatewayName(gateway) && currency in CURRENCY_SCALES && GATEWAY_CAPABILITIES[gateway].currency !== currency) {
    add('currency', 'gateway_currency', `${gateway} takes ${GATEWAY_CAPABILITIES[gateway].currency} only`);
  }
  const amountMinor = minorField(body, 'amountMinor', add, true);
  if (amountMinor !== undefined && amountMinor <= 0n) add('amountMinor', 'positive', 'must be greater than zero');
  stringField(body, 'description', add, { max: DESCRIPTION_LENGTH_MAX });
  const returnUrl = stringField(body, 'returnUrl', add, { required: true, max: 2048 });
  if (returnUrl !== undefined && !isHttpUrl(returnUrl)) add('returnUrl', 'url', 'an absolute http(s) URL');

  const customer = body.customer === undefined ? {} : body.customer;
  if (!isObject(customer)) add('customer', 'type', 'an object');
  const c = isObject(customer) ? customer : {};
  for (const name of ['id', 'mobile', 'email', 'firstName', 'lastName', 'nationalCode']) stringField(c, name, (f, code, m) => add(`customer.${f}`, code, m), { max: 100 });
  if (typeof c.mobile === 'string' && !MOBILE.test(c.mobile)) add('customer.mobile', 'pattern', 'digits, optionally with a leading +, 7 to 15 of them');

  if (body.metadata !== undefined && (!isObject(body.metadata) || JSON.stringify(body.metadata).length > METADATA_BYTES_MAX)) {
    add('metadata', 'type', `an object of at most ${METADATA_BYTES_MAX} bytes of JSON`);
  }

  const items = parseItems(body.items, add);
  const breakdown = parseBreakdown(body.breakdown, add);

  if (isGatewayName(gateway)) {
    switch (gateway) {
      case 'jibit':
        if (!c.id && !c.mobile) add('customer', 'required', 'Jibit needs customer.id or customer.mobile (its userIdentifier)');
        break;
      case 'atipay':
        if (!c.mobile) add('customer.mobile', 'required', 'AtiPay needs the buyer\'s mobile (cellNumber)');
        break;
      case 'mispay':
        if (!c.mobile) add('customer.mobile', 'required', 'MIS Pay needs the buyer\'s mobile (mobileNumber)');
        if (!items || items.length === 0) add('items', 'required', 'MIS Pay needs the order\'s items');
        if (items && amountMinor !== undefined && currency && errors.every((e) => !e.field.startsWith('items') && !e.field.startsWith('breakdown'))) {
          const total = items.reduce((sum, i) => sum + BigInt(i.quantity) * BigInt(i.unitAmountMinor), 0n);
          const expected = total + BigInt(breakdown?.shippingMinor ?? '0') + BigInt(breakdown?.vatMinor ?? '0') - BigInt(breakdown?.discountMinor ?? '0');
          if (expected !== amountMinor) {
            add('amountMinor', 'breakdown_mismatch', `items total + shipping + VAT − discount = ${expected}, not ${amountMinor}`);
          }
        }
        break;
      case 'mocasa':
        if (!c.id) add('customer.id', 'required', 'Mocasa needs customer.id (its customerId)');
        break;
      case 'alqaseh':
        break;
    }
  }

  if (errors.length > 0) return { errors };
  return {
    errors,
    request: {
      gateway: gateway as GatewayName,
      orderId: orderId!,
      amountMinor: amountMinor!.toString(),
      currency: currency!,
      description: body.description as string | undefined,
      returnUrl: returnUrl!,
      customer: c as CreatePaymentRequest['customer'],
      items,
      breakdown,
      metadata: body.metadata as Record<string, unknown> | undefined,
    },
  };
}

/** A refund body: optional amount (minor units, string) and reason. */
export function validateRefundRequest(body: unknown, currency: string): { amount?: Money; reason?: string; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const add = (field: string, code: string, message: string) => errors.push({ field, code, message });
  const b = body === undefined || body === null ? {} : body;
  if (!isObject(b)) return { errors: [{ field: '', code: 'type', message: 'the body must be a JSON object' }] };
  const amount = minorField(b, 'amountMinor', add, false);
  if (amount !== undefined && amount <= 0n) add('amountMinor', 'positive', 'must be greater than zero');
  const reason = stringField(b, 'reason', add, { max: 255 });
  if (errors.length) return { errors };
  return { amount: amount === undefined ? undefined : Money.of(amount, currency), reason, errors };
}

type Add = (field: string, code: string, message: string) => void;

function parseItems(value: unknown, add: Add): CreatePaymentRequest['items'] {
  if (value === undefined) return undefined;
  if (!Array.isArray(value)) {
    add('items', 'type', 'an array');
    return undefined;
  }
  if (value.length > ITEMS_MAX) add('items', 'max_items', `at most ${ITEMS_MAX} items`);
  return value.slice(0, ITEMS_MAX).map((item, i) => {
    const field = (name: string) => `items[${i}].${name}`;
    if (!isObject(item)) {
      add(`items[${i}]`, 'type', 'an object');
      return { name: '', quantity: 0, unitAmountMinor: '0' };
    }
    const name = stringField(item, 'name', (f, c, m) => add(field(f), c, m), { required: true, max: 200 });
    stringField(item, 'sku', (f, c, m) => add(field(f), c, m), { max: 100 });
    const quantity = item.quantity;
    if (typeof quantity !== 'number' || !Number.isSafeInteger(quantity) || quantity <= 0 || quantity > 100_000) add(field('quantity'), 'positive_integer', 'a whole number from 1 to 100000');
    const unit = minorField(item, 'unitAmountMinor', (f, c, m) => add(field(f), c, m), true);
    if (unit !== undefined && unit < 0n) add(field('unitAmountMinor'), 'non_negative', 'must not be negative');
    return { sku: item.sku as string | undefined, name: name ?? '', quantity: quantity as number, unitAmountMinor: (unit ?? 0n).toString() };
  });
}

function parseBreakdown(value: unknown, add: Add): CreatePaymentRequest['breakdown'] {
  if (value === undefined) return undefined;
  if (!isObject(value)) {
    add('breakdown', 'type', 'an object');
    return undefined;
  }
  const out: NonNullable<CreatePaymentRequest['breakdown']> = {};
  for (const name of ['shippingMinor', 'vatMinor', 'discountMinor'] as const) {
    const v = minorField(value, name, (f, c, m) => add(`breakdown.${f}`, c, m), false);
    if (v !== undefined) out[name] = v.toString();
  }
  return out;
}

function minorField(obj: Record<string, unknown>, name: string, add: Add, required: boolean): bigint | undefined {
  const value = obj[name];
  if (value === undefined || value === null) {
    if (required) add(name, 'required', 'required');
    return undefined;
  }
  if (typeof value !== 'string' || !MINOR_UNITS.test(value)) {
    add(name, 'minor_units', 'a string of integer minor units, e.g. "21500" for 215.00 SAR');
    return undefined;
  }
  const amount = BigInt(value);
  if (amount > AMOUNT_MINOR_MAX) {
    add(name, 'max', `at most ${AMOUNT_MINOR_MAX}`);
    return undefined;
  }
  return amount;
}

function stringField(obj: Record<string, unknown>, name: string, add: Add, rule: { required?: boolean; max: number }): string | undefined {
  const value = obj[name];
  if (value === undefined || value === null) {
    if (rule.required) add(name, 'required', 'required');
    return undefined;
  }
  if (typeof value !== 'string') {
    add(name, 'type', 'a string');
    return undefined;
  }
  if (rule.required && value.trim().length === 0) {
    add(name, 'required', 'must not be empty');
    return undefined;
  }
  if (value.length > rule.max) add(name, 'max_length', `at most ${rule.max} characters`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isHttpUrl(value: string): boolean {
  try {
    const url = new URL(value);
    return url.protocol === 'http:' || url.protocol === 'https:';
  } catch {
    return false;
  }
}
