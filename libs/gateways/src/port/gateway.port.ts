import {
  AttemptSnapshot,
  BeneficiaryInput,
  BeneficiaryResult,
  CancelResult,
  ConfirmInput,
  ConfirmResult,
  GatewayCallContext,
  GatewayCapabilities,
  GatewayName,
  InboundRequest,
  InboundVerdict,
  RecordPage,
  RefundInput,
  RefundResult,
  StartPaymentInput,
  StartPaymentResult,
  TransferInput,
  TransferResult,
} from './gateway.types';

/**
 * What payledger's payment logic asks of a gateway. Every method records each HTTP exchange through
 * `ctx.recorder`; the caller appends those events to the payment's stream. An operation a gateway does
 * not have throws GatewayError `GATEWAY.UNSUPPORTED` (see `capabilities`), never a silent no-op.
 */
export interface GatewayPort {
  readonly name: GatewayName;
  readonly capabilities: GatewayCapabilities;

  /** Creates the attempt at the gateway and says where to send the buyer. Never re-sends a create blindly. */
  startPayment(ctx: GatewayCallContext, input: StartPaymentInput): Promise<StartPaymentResult>;

  /** Looks up an attempt whose create got no answer (`create_unknown`), per the spec's decision. */
  recoverCreate(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<StartPaymentResult>;

  /** Parses and authenticates a buyer's return or a webhook. No network; nothing here is trusted for money. */
  parseInbound(request: InboundRequest): InboundVerdict;

  /** Establishes the facts with the gateway (verify / end checkout / re-query) and decides the attempt outcome. */
  confirm(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: ConfirmInput): Promise<ConfirmResult>;

  /** Asks the gateway for the attempt's status without side effects (inquiry, track-checkout, query). */
  inquire(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<ConfirmResult>;

  refund(ctx: GatewayCallContext, attempt: AttemptSnapshot, input: RefundInput): Promise<RefundResult>;

  /** Gives up an unpaid attempt at the gateway (Al Qaseh revoke). */
  cancel(ctx: GatewayCallContext, attempt: AttemptSnapshot): Promise<CancelResult>;

  /** MIS Pay: changes the merchant order id of a succeeded checkout. Returns the refs to store. */
  updateOrderId(ctx: GatewayCallContext, attempt: AttemptSnapshot, newOrderId: string): Promise<{ refs: Record<string, string> }>;

  /** One page of the gateway's own records created in [from, to), for reconciliation. */
  listRecords(ctx: GatewayCallContext, window: { from: Date; to: Date; cursor?: string }): Promise<RecordPage>;

  createBeneficiary(ctx: GatewayCallContext, input: BeneficiaryInput): Promise<BeneficiaryResult>;
  initiateTransfer(ctx: GatewayCallContext, input: TransferInput): Promise<TransferResult>;
  queryTransfer(ctx: GatewayCallContext, reference: string): Promise<TransferResult>;
}
