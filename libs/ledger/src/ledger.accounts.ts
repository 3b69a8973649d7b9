import { DomainError } from '@payledger/kernel';

/**
 * The chart of accounts. Gateway names are data here: an account code embeds the gateway's name, and the
 * ledger never needs to know which gateways exist. Balances are kept debit-positive (debits minus
 * credits); `normalSide` says which sign a healthy balance has.
 */
export type AccountType = 'asset' | 'revenue' | 'contra_revenue' | 'payouts' | 'suspense';
export type NormalSide = 'debit' | 'credit';

export interface AccountDefinition {
  code: string;
  type: AccountType;
  normalSide: NormalSide;
  /** Set on per-gateway accounts. */
  gateway?: string;
  description: string;
}

export const REVENUE_ACCOUNT = 'revenue:payments';
export const REFUNDS_CONTRA_ACCOUNT = 'contra:refunds';
export const SUSPENSE_ACCOUNT = 'suspense:reconciliation';

/** Lower-case letters, digits, `-` and `_`: what a gateway name may be so that account codes stay unambiguous. */
const GATEWAY_NAME_PATTERN = /^[a-z][a-z0-9_-]{0,31}$/;
const CLEARING_PATTERN = /^gateway:([a-z][a-z0-9_-]{0,31}):clearing$/;
const PAYOUTS_PATTERN = /^payouts:([a-z][a-z0-9_-]{0,31})$/;

const STATIC_ACCOUNTS: readonly AccountDefinition[] = [
  { code: REVENUE_ACCOUNT, type: 'revenue', normalSide: 'credit', description: 'Payments captured from buyers' },
  { code: REFUNDS_CONTRA_ACCOUNT, type: 'contra_revenue', normalSide: 'debit', description: 'Refunds paid back to buyers, netted against revenue' },
  {
    code: SUSPENSE_ACCOUNT,
    type: 'suspense',
    normalSide: 'credit',
    description: 'Differences found by reconciliation, held until ops resolve them',
  },
];

export function assertGatewayName(gateway: unknown): string {
  if (typeof gateway !== 'string' || !GATEWAY_NAME_PATTERN.test(gateway)) {
    throw new DomainError('LEDGER.INVALID_GATEWAY', `not a gateway name an account can carry: ${JSON.stringify(gateway)}`);
  }
  return gateway;
}

/** Money the gateway holds for us: captured, not yet refunded or paid out. */
export function clearingAccount(gateway: string): string {
  return `gateway:${assertGatewayName(gateway)}:clearing`;
}

/** Money transferred out to beneficiaries through the gateway. */
export function payoutsAccount(gateway: string): string {
  return `payouts:${assertGatewayName(gateway)}`;
}

/** What an account code means; unknown codes are refused rather than guessed. */
export function describeAccount(code: string): AccountDefinition {
  const known = STATIC_ACCOUNTS.find((a) => a.code === code);
  if (known) return known;
  const clearing = CLEARING_PATTERN.exec(code);
  if (clearing) {
    return { code, type: 'asset', normalSide: 'debit', gateway: clearing[1], description: `Money ${clearing[1]} holds for us: captured, less refunds and payouts` };
  }
  const payouts = PAYOUTS_PATTERN.exec(code);
  if (payouts) {
    return { code, type: 'payouts', normalSide: 'debit', gateway: payouts[1], description: `Money transferred out to beneficiaries through ${payouts[1]}` };
  }
  throw new DomainError('LEDGER.UNKNOWN_ACCOUNT', `no account ${JSON.stringify(code)} in the chart of accounts`);
}

export function isKnownAccount(code: string): boolean {
  try {
    describeAccount(code);
    return true;
  } catch {
    return false;
  }
}

/**
 * Every account for the given gateways (payout accounts for those that pay out), plus any account already
 * seen in the journal (a gateway added later, say). Sorted by code so the list is stable.
 */
export function chartOfAccounts(options: { gateways: readonly string[]; payoutGateways?: readonly string[]; seenCodes?: readonly string[] }): AccountDefinition[] {
  const codes = new Set<string>(STATIC_ACCOUNTS.map((a) => a.code));
  for (const gateway of options.gateways) codes.add(clearingAccount(gateway));
  for (const gateway of options.payoutGateways ?? []) codes.add(payoutsAccount(gateway));
  for (const code of options.seenCodes ?? []) codes.add(code);
  return [...codes].sort().map(describeAccount);
}
