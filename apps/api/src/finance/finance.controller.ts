import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { GATEWAY_CAPABILITIES, GATEWAY_NAMES } from '@payledger/gateways';
import { LedgerQueries, PAGE_LIMIT_MAX } from '@payledger/ledger';
import { RequireRole } from '../auth/require-role.decorator';
import { CsvRow, sendList } from './finance.csv';
import { ACCOUNTS_EXAMPLE, BALANCES_EXAMPLE, DAILY_SUMMARY_EXAMPLE, INVALID_QUERY_EXAMPLE, JOURNAL_EXAMPLE, PAYMENTS_EXAMPLE, TIMELINE_EXAMPLE } from './finance.examples';
import {
  ACCOUNTS_QUERY,
  BALANCES_QUERY,
  DAILY_SUMMARY_QUERY,
  JOURNAL_QUERY,
  parseQuery,
  PAYMENT_ID_PARAMS,
  PAYMENT_STATUSES,
  PAYMENTS_QUERY,
  TIMELINE_QUERY,
} from './finance-query.validation';

const ACCOUNT_COLUMNS = ['account', 'type', 'normalSide', 'gateway', 'description', 'currencies'];
const BALANCE_COLUMNS = ['account', 'type', 'normalSide', 'gateway', 'currency', 'balanceMinor', 'lastBookedAt', 'lastPosition'];
/** One CSV row per journal line, the entry's columns repeated: what JSON nests, CSV flattens. */
const JOURNAL_COLUMNS = [
  'entryId',
  'kind',
  'eventType',
  'streamId',
  'position',
  'paymentId',
  'refundId',
  'payoutId',
  'gateway',
  'description',
  'reversesEntryId',
  'occurredAt',
  'recordedAt',
  'bookedAt',
  'lineNo',
  'account',
  'currency',
  'debitMinor',
  'creditMinor',
  'balanceAfterMinor',
];
const PAYMENT_COLUMNS = ['id', 'gateway', 'orderId', 'status', 'amountMinor', 'currency', 'capturedMinor', 'refundedMinor', 'reference', 'attempts', 'refunds', 'failureReason', 'review', 'createdAt', 'updatedAt', 'succeededAt', 'version'];
const TIMELINE_COLUMNS = ['position', 'streamVersion', 'eventId', 'type', 'schemaVersion', 'occurredAt', 'recordedAt', 'data', 'metadata'];
const DAILY_COLUMNS = ['day', 'gateway', 'currency', 'paymentsCount', 'grossMinor', 'refundsCount', 'refundsMinor', 'netMinor'];

const PAYOUT_GATEWAYS = GATEWAY_NAMES.filter((g) => GATEWAY_CAPABILITIES[g].payouts);
const CURSOR_QUERY = { name: 'cursor', required: false, description: 'opaque; the nextCursor (or X-Next-Cursor header) of the previous page' } as const;
const LIMIT_QUERY = { name: 'limit', required: false, description: `rows per page, 1–${PAGE_LIMIT_MAX} (default 100)` } as const;
const CSV_NOTE = 'Send `Accept: text/csv` for the same rows as CSV (next cursor in the X-Next-Cursor header).';

/**
 * The finance read side: chart of accounts, balances (now or as of any moment), journal, payments,
 * a payment's full timeline and daily summaries. Everything comes from the ledger projections.
 */
@ApiTags('finance')
@ApiBearerAuth()
@ApiProduces('application/json', 'text/csv')
@ApiResponse({ status: 400, description: 'REQUEST.INVALID with details.fields', schema: { example: INVALID_QUERY_EXAMPLE } })
@ApiResponse({ status: 401, description: 'AUTH.UNAUTHENTICATED: no or unknown API key' })
@ApiResponse({ status: 403, description: 'AUTH.FORBIDDEN: the key is not a finance or ops key' })
@RequireRole('finance')
@Controller('v1/finance')
export class FinanceController {
  constructor(@Inject(LedgerQueries) private readonly queries: LedgerQueries) {}

  @Get('accounts')
  @ApiOperation({ summary: 'The chart of accounts', description: `A clearing account per gateway, payouts where a gateway pays out, revenue, refunds and suspense. ${CSV_NOTE}` })
  @ApiResponse({ status: 200, schema: { example: ACCOUNTS_EXAMPLE } })
  async accounts(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    parseQuery(ACCOUNTS_QUERY, query);
    const rows = await this.queries.accounts({ gateways: GATEWAY_NAMES, payoutGateways: PAYOUT_GATEWAYS });
    sendList(req, res, { columns: ACCOUNT_COLUMNS, rows: rows as unknown as CsvRow[] });
  }

  @Get('balances')
  @ApiOperation({
    summary: 'Balances per account and currency, now or as of a moment',
    description: `Debits minus credits, in minor units. With asOf: every entry booked at or before it (bookedAt = when payledger recorded the causing event), read from the running balances on the journal. ${CSV_NOTE}`,
  })
  @ApiQuery({ name: 'asOf', required: false, description: 'ISO 8601 time with a zone, e.g. 2026-11-22T12:00:00Z' })
  @ApiResponse({ status: 200, schema: { example: BALANCES_EXAMPLE } })
  async balances(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { asOf } = parseQuery(BALANCES_QUERY, query);
    const rows = await this.queries.balances(asOf);
    sendList(req, res, { columns: BALANCE_COLUMNS, rows: rows as unknown as CsvRow[], extra: { asOf: asOf ? asOf.toISOString() : null } });
  }

  @Get('journal')
  @ApiOperation({ summary: 'Journal entries with their lines, in journal order', description: `from/to filter on bookedAt (inclusive): to=T is the journal as of T. account keeps entries with a line on it. ${CSV_NOTE} CSV has one row per line.` })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 time with a zone' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 time with a zone' })
  @ApiQuery({ name: 'account', required: false, description: 'e.g. gateway:mispay:clearing' })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery(LIMIT_QUERY)
  @ApiResponse({ status: 200, schema: { example: JOURNAL_EXAMPLE } })
  async journal(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const filter = parseQuery(JOURNAL_QUERY, query);
    const page = await this.queries.journal(filter);
    const csvRows = page.rows.flatMap(({ lines, ...entry }) => lines.map((line) => ({ ...entry, ...line })));
    sendList(req, res, { columns: JOURNAL_COLUMNS, rows: page.rows as unknown as CsvRow[], csvRows, nextCursor: page.nextCursor });
  }

  @Get('payments')
  @ApiOperation({ summary: 'Payments, in the order they were first recorded', description: `from/to filter on createdAt (inclusive). ${CSV_NOTE} attempts and refunds are JSON text in CSV.` })
  @ApiQuery({ name: 'gateway', required: false, enum: GATEWAY_NAMES })
  @ApiQuery({ name: 'status', required: false, enum: PAYMENT_STATUSES })
  @ApiQuery({ name: 'from', required: false, description: 'ISO 8601 time with a zone' })
  @ApiQuery({ name: 'to', required: false, description: 'ISO 8601 time with a zone' })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery(LIMIT_QUERY)
  @ApiResponse({ status: 200, schema: { example: PAYMENTS_EXAMPLE } })
  async payments(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const filter = parseQuery(PAYMENTS_QUERY, query);
    const page = await this.queries.payments(filter);
    sendList(req, res, { columns: PAYMENT_COLUMNS, rows: page.rows as unknown as CsvRow[], nextCursor: page.nextCursor });
  }

  @Get('payments/:id/events')
  @ApiOperation({ summary: "A payment's full timeline", description: `Every event of the payment's stream in order — decisions and every gateway exchange — as stored (secrets were redacted before the append). ${CSV_NOTE}` })
  @ApiParam({ name: 'id', description: 'the payment id' })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery(LIMIT_QUERY)
  @ApiResponse({ status: 200, schema: { example: TIMELINE_EXAMPLE } })
  @ApiResponse({ status: 404, description: 'PAYMENT.NOT_FOUND' })
  async timeline(@Param('id') id: string, @Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const { id: paymentId } = parseQuery(PAYMENT_ID_PARAMS, { id });
    const options = parseQuery(TIMELINE_QUERY, query);
    const page = await this.queries.paymentEvents(paymentId, options);
    sendList(req, res, { columns: TIMELINE_COLUMNS, rows: page.rows as unknown as CsvRow[], nextCursor: page.nextCursor });
  }

  @Get('summary/daily')
  @ApiOperation({ summary: 'Per UTC day, gateway and currency: payments captured, gross, refunds, net', description: `Days by when the money moved (the event's occurredAt), in UTC. ${CSV_NOTE}` })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD, inclusive' })
  @ApiQuery({ name: 'to', required: false, description: 'YYYY-MM-DD, inclusive' })
  @ApiQuery({ name: 'gateway', required: false, enum: GATEWAY_NAMES })
  @ApiQuery(CURSOR_QUERY)
  @ApiQuery(LIMIT_QUERY)
  @ApiResponse({ status: 200, schema: { example: DAILY_SUMMARY_EXAMPLE } })
  async dailySummary(@Query() query: unknown, @Req() req: Request, @Res() res: Response): Promise<void> {
    const filter = parseQuery(DAILY_SUMMARY_QUERY, query);
    const page = await this.queries.dailySummary(filter);
    sendList(req, res, { columns: DAILY_COLUMNS, rows: page.rows as unknown as CsvRow[], nextCursor: page.nextCursor });
  }
}
