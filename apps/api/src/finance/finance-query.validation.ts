import { z } from 'zod';
import { GATEWAY_NAMES } from '@payledger/gateways';
import { DomainError } from '@payledger/kernel';
import { isKnownAccount, PAGE_LIMIT_MAX } from '@payledger/ledger';
import type { PaymentStatus } from '@payledger/payments';

export interface FieldError {
  field: string;
  code: string;
  message: string;
}

export const PAYMENT_STATUSES = ['initiated', 'awaiting_buyer', 'authorized', 'succeeded', 'failed', 'expired', 'unknown', 'partially_refunded', 'refunded', 'canceled'] as const;
// Fails to compile when libs/payments gains a status this list does not have.
const everyStatusListed: Exclude<PaymentStatus, (typeof PAYMENT_STATUSES)[number]> extends never ? true : false = true;
void everyStatusListed;

const instant = z.iso.datetime({ offset: true, message: 'an ISO 8601 time with a zone, e.g. 2026-11-22T10:00:00Z' }).transform((text) => new Date(text));
const day = z.iso.date({ message: 'a day as YYYY-MM-DD' });
const limit = z
  .string()
  .regex(/^\d{1,6}$/, 'a whole number')
  .transform(Number)
  .pipe(z.number().int().min(1, 'at least 1').max(PAGE_LIMIT_MAX, `at most ${PAGE_LIMIT_MAX}`));
const cursor = z.string().min(1).max(1000);
const gateway = z.enum(GATEWAY_NAMES, { message: `one of ${GATEWAY_NAMES.join(', ')}` });
const account = z.string().max(100).refine(isKnownAccount, 'an account of the chart (GET /v1/finance/accounts)');
const status = z.enum(PAYMENT_STATUSES, { message: `one of ${PAYMENT_STATUSES.join(', ')}` });

const paging = { cursor: cursor.optional(), limit: limit.optional() };
const ordered = <T extends { from?: unknown; to?: unknown }>(value: T) => value.from === undefined || value.to === undefined || (value.from as Date | string) <= (value.to as Date | string);
const orderedMessage = { message: 'from must not be after to', path: ['from'] };

export const BALANCES_QUERY = z.object({ asOf: instant.optional() }).strict();
export const ACCOUNTS_QUERY = z.object({}).strict();
export const JOURNAL_QUERY = z.object({ from: instant.optional(), to: instant.optional(), account: account.optional(), ...paging }).strict().refine(ordered, orderedMessage);
export const PAYMENTS_QUERY = z
  .object({ gateway: gateway.optional(), status: status.optional(), from: instant.optional(), to: instant.optional(), ...paging })
  .strict()
  .refine(ordered, orderedMessage);
export const TIMELINE_QUERY = z.object(paging).strict();
export const DAILY_SUMMARY_QUERY = z.object({ from: day.optional(), to: day.optional(), gateway: gateway.optional(), ...paging }).strict().refine(ordered, orderedMessage);
export const PAYMENT_ID_PARAMS = z.object({ id: z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'a payment id') });

/** Parses query parameters or throws REQUEST.INVALID naming every offending field. */
export function parseQuery<S extends z.ZodType>(schema: S, input: unknown): z.output<S> {
  const parsed = schema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  const fields: FieldError[] = [];
  for (const issue of parsed.error.issues) {
    if (issue.code === 'unrecognized_keys') {
      for (const key of issue.keys) fields.push({ field: key, code: 'unknown', message: 'not a parameter of this list' });
    } else {
      fields.push({ field: issue.path.join('.'), code: issue.code, message: issue.message });
    }
  }
  throw new DomainError('REQUEST.INVALID', `invalid query: ${fields.map((f) => `${f.field || 'query'} ${f.message}`).join('; ')}`, { fields });
}
