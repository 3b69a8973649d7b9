import { Body, Controller, Get, Headers, Inject, Param, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBearerAuth, ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { GATEWAY_CAPABILITIES, isGatewayName } from '@payledger/gateways';
import { DomainError, Money, newPrefixedId } from '@payledger/kernel';
import { loadPayout, PaymentFlow, PayoutState, RefreshPayoutCommand, RegisterBeneficiaryCommand, RequestPayoutCommand } from '@payledger/payments';
import type { AuthenticatedRequest } from '../auth/api-key.guard';
import { RequireRole } from '../auth/require-role.decorator';
import { IdempotencyService } from '../http/idempotency.service';
import { requestContext } from '../http/request-context';
import { payoutView } from './payment.view';

const MINOR_UNITS = /^[1-9][0-9]{0,17}$/;

/** Mocasa payouts: register a beneficiary, transfer to it, look a transfer up. */
@ApiTags('payouts')
@ApiBearerAuth()
@RequireRole('merchant')
@Controller('v1/payouts')
export class PayoutsController {
  constructor(
    @Inject(CommandBus) private readonly commands: CommandBus,
    @Inject(PaymentFlow) private readonly flow: PaymentFlow,
    @Inject(IdempotencyService) private readonly idempotency: IdempotencyService,
  ) {}

  @Post('beneficiaries')
  @ApiOperation({ summary: 'Register a payout beneficiary (Mocasa)' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ schema: { example: { gateway: 'mocasa', idType: 'TIN', idNo: '123-456-789', name: 'Juan Dela Cruz', businessLicense: 'BL-1', shopName: 'Sari-sari store', phone: '09171234567' } } })
  async beneficiary(@Body() body: Record<string, unknown> | undefined, @Headers('idempotency-key') header: string | undefined, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const key = this.idempotency.requireKey(header);
    const b = body ?? {};
    const gateway = b.gateway ?? 'mocasa';
    const fields: Array<{ field: string; code: string; message: string }> = [];
    if (!isGatewayName(gateway)) fields.push({ field: 'gateway', code: 'enum', message: 'a gateway name' });
    for (const name of ['idType', 'idNo', 'name', 'businessLicense', 'shopName']) {
      if (typeof b[name] !== 'string' || (b[name] as string).length === 0 || (b[name] as string).length > 200) fields.push({ field: name, code: 'required', message: 'a string of 1–200 characters' });
    }
    for (const name of ['phone', 'email', 'businessScope', 'shopAddress']) {
      if (b[name] !== undefined && (typeof b[name] !== 'string' || (b[name] as string).length > 200)) fields.push({ field: name, code: 'type', message: 'a string of at most 200 characters' });
    }
    if (fields.length) throw new DomainError('REQUEST.INVALID', 'the beneficiary is not valid', { fields });
    const scope = `beneficiaries:${req.principal!.keyId}`;
    const claim = await this.idempotency.claim(scope, key, b, newPrefixedId('ben'));
    if (claim.kind === 'replay') {
      res.status(claim.response.status).json(claim.response.body);
      return;
    }
    try {
      const input = { idType: b.idType, idNo: b.idNo, name: b.name, businessLicense: b.businessLicense, shopName: b.shopName, phone: b.phone, email: b.email, businessScope: b.businessScope, shopAddress: b.shopAddress } as RegisterBeneficiaryCommand['input'];
      const registered = await this.commands.execute(new RegisterBeneficiaryCommand(gateway as 'mocasa', input, requestContext(req, `merchant:${req.principal!.keyId}`), claim.resourceId));
      const answer = { status: 201, body: { id: registered.beneficiaryId, ...registered } };
      await this.idempotency.complete(scope, key, answer);
      res.status(201).json(answer.body);
    } catch (error) {
      await this.idempotency.release(scope, key);
      throw error;
    }
  }

  @Post()
  @ApiOperation({ summary: 'Transfer money to a beneficiary account (Mocasa)' })
  @ApiHeader({ name: 'Idempotency-Key', required: true })
  @ApiBody({ schema: { example: { gateway: 'mocasa', payeeAccountNo: 'ACC-1', amountMinor: '150000', currency: 'PHP', purpose: 'merchant settlement' } } })
  async create(@Body() body: Record<string, unknown> | undefined, @Headers('idempotency-key') header: string | undefined, @Req() req: AuthenticatedRequest, @Res() res: Response): Promise<void> {
    const key = this.idempotency.requireKey(header);
    const b = body ?? {};
    const gateway = b.gateway ?? 'mocasa';
    const fields: Array<{ field: string; code: string; message: string }> = [];
    if (!isGatewayName(gateway)) fields.push({ field: 'gateway', code: 'enum', message: 'a gateway name' });
    if (typeof b.payeeAccountNo !== 'string' || b.payeeAccountNo.length === 0 || b.payeeAccountNo.length > 64) fields.push({ field: 'payeeAccountNo', code: 'required', message: 'the beneficiary account number' });
    if (typeof b.amountMinor !== 'string' || !MINOR_UNITS.test(b.amountMinor)) fields.push({ field: 'amountMinor', code: 'minor_units', message: 'a positive string of integer minor units' });
    const currency = b.currency ?? (isGatewayName(gateway) ? GATEWAY_CAPABILITIES[gateway].currency : undefined);
    if (typeof currency !== 'string' || (isGatewayName(gateway) && currency !== GATEWAY_CAPABILITIES[gateway].currency)) fields.push({ field: 'currency', code: 'gateway_currency', message: 'the gateway\'s currency' });
    const purpose = b.purpose ?? 'payout';
    if (typeof purpose !== 'string' || purpose.length > 200) fields.push({ field: 'purpose', code: 'type', message: 'a string of at most 200 characters' });
    if (fields.length) throw new DomainError('REQUEST.INVALID', 'the payout is not valid', { fields });
    const scope = `payouts:${req.principal!.keyId}`;
    const claim = await this.idempotency.claim(scope, key, b, newPrefixedId('po'));
    if (claim.kind === 'replay') {
      res.status(claim.response.status).json(claim.response.body);
      return;
    }
    let state: PayoutState;
    if (claim.kind === 'recover') {
      state = (await loadPayout(this.flow.store, claim.resourceId)).state;
    } else {
      try {
        state = await this.commands.execute(new RequestPayoutCommand(gateway as 'mocasa', Money.of(b.amountMinor as string, currency as string), b.payeeAccountNo as string, purpose as string, requestContext(req, `merchant:${req.principal!.keyId}`), claim.resourceId));
      } catch (error) {
        if (!(await this.flow.store.streamVersion(`payout-${claim.resourceId}`))) await this.idempotency.release(scope, key);
        throw error;
      }
    }
    const answer = { status: 201, body: payoutView(state) };
    await this.idempotency.complete(scope, key, answer);
    res.status(201).json(answer.body);
  }

  @Get(':id')
  @ApiOperation({ summary: 'A payout; one whose outcome is unknown is looked up at the gateway first' })
  async get(@Param('id') id: string, @Req() req: AuthenticatedRequest): Promise<unknown> {
    if (!/^po_[A-Za-z0-9]{22}$/.test(id)) throw new DomainError('PAYOUT.NOT_FOUND', `no payout ${id}`);
    const { state } = await loadPayout(this.flow.store, id);
    if (state.status === 'unknown' || state.status === 'requested') {
      return payoutView(await this.commands.execute(new RefreshPayoutCommand(id, requestContext(req, `merchant:${req.principal!.keyId}`))));
    }
    return payoutView(state);
  }
}
