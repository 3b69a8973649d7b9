import { All, Controller, HttpCode, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { InboundRequest, isGatewayName } from '@payledger/gateways';
import { Clock, DomainError } from '@payledger/kernel';
import { HandleGatewayNoticeCommand, NoticeOutcome, PayoutNoticeOutcome } from '@payledger/payments';
import { requestContext } from '../http/request-context';

/**
 * Buyers' returns and gateways' webhooks. No API key: each gateway's adapter authenticates its own
 * notices, and nothing here is trusted for money before the gateway confirms it.
 */
@ApiExcludeController()
@Controller()
export class CallbacksController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(Clock) private readonly clock: Clock,
  ) {}

  /** Returns come as GET (Jibit, MIS Pay, Mocasa, Al Qaseh) or a form POST (AtiPay): the adapter checks the method. */
  @All('callbacks/:gateway')
  async buyerReturn(@Param('gateway') gateway: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    const outcome = await this.handle(gateway, 'return', req);
    // Payout notices come only as webhooks: a return always names a payment.
    if (!('state' in outcome)) throw new DomainError('CALLBACK.INVALID', 'a payout notice is not a buyer return');
    const target = new URL(outcome.state.returnUrl);
    target.searchParams.set('paymentId', outcome.paymentId);
    target.searchParams.set('status', outcome.state.status);
    res.redirect(303, target.toString());
  }

  @Post('webhooks/:gateway')
  @HttpCode(200)
  async webhook(@Param('gateway') gateway: string, @Req() req: Request): Promise<{ received: true; duplicate: boolean }> {
    const outcome = await this.handle(gateway, 'webhook', req);
    return { received: true, duplicate: outcome.duplicate };
  }

  private async handle(gateway: string, kind: 'return' | 'webhook', req: Request): Promise<NoticeOutcome | PayoutNoticeOutcome> {
    if (!isGatewayName(gateway)) throw new DomainError('ROUTE.NOT_FOUND', `no gateway ${gateway}`);
    const raw = (req as Request & { rawBody?: Buffer }).rawBody;
    const inbound: InboundRequest = {
      kind,
      method: req.method,
      headers: lowerCaseHeaders(req.headers),
      query: req.query as InboundRequest['query'],
      body: isEmptyBody(req.body) ? undefined : req.body,
      rawBody: raw && raw.length > 0 ? raw.toString('utf8') : undefined,
      sourceIp: req.ip,
      receivedAt: this.clock.now(),
    };
    return this.commands.execute(new HandleGatewayNoticeCommand(gateway, inbound, requestContext(req, `gateway:${gateway}`)));
  }
}

function lowerCaseHeaders(headers: Request['headers']): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers)) out[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
  return out;
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || (typeof body === 'object' && Object.keys(body as object).length === 0);
}
