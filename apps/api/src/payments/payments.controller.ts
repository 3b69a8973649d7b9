import { Body, Controller, Get, Headers, HttpCode, Inject, Param, Patch, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiParam, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { DomainError } from '@payledger/kernel';
import {
  CancelPaymentCommand,
  CommandContext,
  CreatePaymentCommand,
  currentAttempt,
  PaymentFlow,
  PaymentLookup,
  PaymentState,
  RefundPaymentCommand,
  RetryPaymentCommand,
  StartedAttempt,
  UpdateOrderIdCommand,
  validateCreatePayment,
  validateRefundRequest,
} from '@payledger/payments';
import { newPaymentId, newPrefixedId } from '@payledger/kernel';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { IdempotencyService } from '../http/idempotency.service';
import { requestContext } from '../http/request-context';
import { CREATE_PAYMENT_EXAMPLE, PAYMENT_EXAMPLE, REFUND_EXAMPLE } from './payment.examples';
import { paymentView, refundView } from './payment.view';

const PAYMENT_ID = /^pay_[A-Za-z0-9]{22}$/;

@ApiTags('payments')
@ApiBearerAuth()
@RequireRole('merchant')
@Controller('v1/payments')
export class PaymentsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(PaymentFlow) private readonly flow: PaymentFlow,
    @Inject(PaymentLookup) private readonly lookup: PaymentLookup,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post()
  @ApiOperation({ summary: 'Start a payment at a gateway; answers where to send the buyer' })
  @ApiHeader({ name: 'Idempotency-Key', required: true, description: 'same key + same body → the first answer again; another body → 409' })
  @ApiBody({ schema: { example: CREATE_PAYMENT_EXAMPLE } })
  @ApiResponse({ status: 201, schema: { example: PAYMENT_EXAMPLE } })
  @ApiResponse({ status: 400, description: 'REQUEST.INVALID with details.fields' })
  @ApiResponse({ status: 409, description: 'PAYMENT.ORDER_ID_TAKEN, REQUEST.IDEMPOTENCY_MISMATCH' })
  @ApiResponse({ status: 422, description: 'the gateway refused (GATEWAY.REJECTED, details.gatewayCode); recorded' })
  @ApiResponse({ status: 504, description: 'the gateway did not answer; the payment exists (details.paymentId) and is looked up by the jobs' })
  async create(@Body() body: unknown, @Headers('idempotency-key') idempotencyKey: string | undefined, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const key = this.idempotency.requireKey(idempotencyKey);
    const { request, errors } = validateCreatePayment(body);
    if (!request) throw new DomainError('REQUEST.INVALID', 'the payment request is not valid', { fields: errors });
    const scope = `payments:${req.principal!.keyId}`;
    const claim = await this.idempotency.claim(scope, key, request, newPaymentId());
    if (claim.kind === 'replay') {
      res.status(claim.response.status).json(claim.response.body);
      return;
    }
    let answer: { status: number; body: unknown };
    if (claim.kind === 'recover') {
      const loaded = await this.flow.load(claim.resourceId);
      if (!loaded) {
        await this.idempotency.release(scope, key);
        throw new DomainError('REQUEST.IDEMPOTENCY_IN_PROGRESS', 'the first request with this key did not finish; retry', { idempotencyKey: key });
      }
      answer = createAnswer({ state: loaded.state });
    } else {
      try {
        const started: StartedAttempt = await this.commands.execute(new CreatePaymentCommand(request, this.ctx(req), claim.resourceId));
        answer = createAnswer(started);
      } catch (error) {
        if (error instanceof DomainError && error.code === 'PAYMENT.ORDER_ID_TAKEN') {
          answer = { status: 409, body: { error: { code: error.code, message: error.message, details: error.details } } };
        } else {
          await this.idempotency.release(scope, key);
          throw error;
        }
      }
    }
    await this.idempotency.complete(scope, key, answer);
    res.status(answer.status).json(answer.body);
  }

  @Get()
  @ApiOperation({ summary: 'Find payments by the merchant\'s order id' })
  @ApiQuery({ name: 'orderId', required: true })
  @ApiQuery({ name: 'gateway', required: false })
  async findByOrder(@Query('orderId') orderId: unknown, @Query('gateway') gateway: unknown): Promise<{ data: unknown[] }> {
    if (typeof orderId !== 'string' || orderId.length === 0) throw new DomainError('REQUEST.INVALID', 'orderId is required', { fields: [{ field: 'orderId', code: 'required', message: 'required' }] });
    const ids = await this.lookup.findByOrderId(orderId, typeof gateway === 'string' ? gateway : undefined);
    const payments = await Promise.all(ids.map((id) => this.flow.load(id)));
    return { data: payments.filter((p) => p !== undefined).map((p) => paymentView(p!.state)) };
  }

  @Get(':id')
  @ApiOperation({ summary: 'The payment: status, amounts, gateway references, refunds' })
  @ApiParam({ name: 'id', example: 'pay_4mZ0bq8cR1x2Yk7pQ9sT3v' })
  @ApiResponse({ status: 200, schema: { example: PAYMENT_EXAMPLE } })
  async get(@Param('id') id: string): Promise<unknown> {
    return paymentView(await this.load(id));
  }

  @Post(':id/refunds')
  @ApiOperation({ summary: 'Refund all (no amount) or part of a payment; 422 where the gateway has no refunds' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ schema: { example: { amountMinor: '1000', reason: 'damaged item' } } })
  @ApiResponse({ status: 201, schema: { example: REFUND_EXAMPLE } })
  @ApiResponse({ status: 409, description: 'REFUND.EXCEEDS_REMAINING, PAYMENT.NOT_PAID' })
  @ApiResponse({ status: 422, description: 'GATEWAY.UNSUPPORTED, REFUND.PARTIAL_NOT_SUPPORTED' })
  async refund(@Param('id') id: string, @Body() body: unknown, @Headers('idempotency-key') idempotencyKey: string | undefined, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const key = this.idempotency.requireKey(idempotencyKey);
    const state = await this.load(id);
    const { amount, reason, errors } = validateRefundRequest(body, state.amount.currency);
    if (errors.length) throw new DomainError('REQUEST.INVALID', 'the refund request is not valid', { fields: errors });
    const scope = `refunds:${req.principal!.keyId}:${id}`;
    const claim = await this.idempotency.claim(scope, key, body ?? {}, newPrefixedId('rfd'));
    if (claim.kind === 'replay') {
      res.status(claim.response.status).json(claim.response.body);
      return;
    }
    let answer: { status: number; body: unknown };
    const existing = state.refunds.find((r) => r.refundId === claim.resourceId);
    if (claim.kind === 'recover' && existing) {
      answer = { status: 201, body: refundView(state, existing.refundId) };
    } else {
      try {
        const result = await this.commands.execute<RefundPaymentCommand, { state: PaymentState; refund: { refundId: string } }>(new RefundPaymentCommand(id, amount, reason, this.ctx(req), claim.resourceId));
        answer = { status: 201, body: refundView(result.state, result.refund.refundId) };
      } catch (error) {
        await this.idempotency.release(scope, key);
        throw error;
      }
    }
    await this.idempotency.complete(scope, key, answer);
    res.status(answer.status).json(answer.body);
  }

  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Give up a payment not yet paid (Al Qaseh revoke; elsewhere local)' })
  @ApiResponse({ status: 409, description: 'PAYMENT.ALREADY_FINAL, PAYMENT.OUTCOME_PENDING' })
  async cancel(@Param('id') id: string, @Body() body: { reason?: unknown } | undefined, @Req() req: AuthenticatedRequest): Promise<unknown> {
    await this.load(id);
    const reason = typeof body?.reason === 'string' ? body.reason.slice(0, 255) : undefined;
    const state: PaymentState = await this.commands.execute(new CancelPaymentCommand(id, this.ctx(req), reason));
    return paymentView(state);
  }

  @Post(':id/retry')
  @ApiOperation({ summary: 'Al Qaseh: a new attempt for an expired or failed payment' })
  @ApiResponse({ status: 201, schema: { example: PAYMENT_EXAMPLE } })
  @ApiResponse({ status: 409, description: 'PAYMENT.OUTCOME_PENDING while the current attempt is unknown; PAYMENT.RETRY_NOT_ALLOWED' })
  @ApiResponse({ status: 422, description: 'GATEWAY.UNSUPPORTED for gateways without retry' })
  async retry(@Param('id') id: string, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    await this.load(id);
    const started: StartedAttempt = await this.commands.execute(new RetryPaymentCommand(id, this.ctx(req)));
    const answer = createAnswer(started);
    res.status(answer.status).json(answer.body);
  }

  @Patch(':id/order-id')
  @ApiOperation({ summary: 'MIS Pay: change the merchant order id of a succeeded payment' })
  @ApiBody({ schema: { example: { orderId: 'ORD-1001-B' } } })
  async updateOrderId(@Param('id') id: string, @Body() body: { orderId?: unknown } | undefined, @Req() req: AuthenticatedRequest): Promise<unknown> {
    await this.load(id);
    const orderId = body?.orderId;
    if (typeof orderId !== 'string' || !/^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$/.test(orderId)) {
      throw new DomainError('REQUEST.INVALID', 'orderId is required', { fields: [{ field: 'orderId', code: 'pattern', message: 'letters, digits and . _ : - only, at most 64 characters' }] });
    }
    const state: PaymentState = await this.commands.execute(new UpdateOrderIdCommand(id, orderId, this.ctx(req)));
    return paymentView(state);
  }

  private async load(id: string): Promise<PaymentState> {
    const loaded = PAYMENT_ID.test(id) ? await this.flow.load(id) : undefined;
    if (!loaded) throw new DomainError('PAYMENT.NOT_FOUND', `no payment ${id}`);
    return loaded.state;
  }

  private ctx(req: AuthenticatedRequest): CommandContext {
    return requestContext(req, `merchant:${req.principal!.keyId}`);
  }
}

/** 201 with the payment; a refusal is 422 and a create without an answer 504 — both name the stored payment. */
function createAnswer(started: StartedAttempt): { status: number; body: unknown } {
  const { state } = started;
  const attempt = currentAttempt(state);
  if (state.status === 'failed' && attempt?.outcome === 'failed') {
    return {
      status: 422,
      body: { error: { code: 'GATEWAY.REJECTED', message: `${state.gateway} refused the payment`, details: { paymentId: state.paymentId, reason: state.failureReason, payment: paymentView(state) } } },
    };
  }
  if (attempt?.outcome === 'create_unknown') {
    return {
      status: 504,
      body: { error: { code: 'GATEWAY.TIMEOUT', message: `${state.gateway} did not answer the create; the payment is kept and looked up`, details: { paymentId: state.paymentId, status: state.status, payment: paymentView(state) } } },
    };
  }
  return { status: 201, body: paymentView(state, started.redirect) };
}
