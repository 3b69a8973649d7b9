import { DynamicModule, Module } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import type { Pool } from 'pg';
import type { AppConfig } from '@payledger/config';
import { EventStore, NewEvent } from '@payledger/event-store';
import { createGatewayAdapters, GatewayName, GatewayPort, SessionEventSink, TokenStore } from '@payledger/gateways';
import { Clock, SystemClock } from '@payledger/kernel';
import { CancelPaymentHandler } from './commands/cancel-payment.handler';
import { CheckPaymentHandler } from './commands/check-payment.handler';
import { CreatePaymentHandler } from './commands/create-payment.handler';
import { ExpirePaymentHandler } from './commands/expire-payment.handler';
import { HandleGatewayNoticeHandler } from './commands/handle-gateway-notice.handler';
import { RefreshPayoutHandler, RegisterBeneficiaryHandler, RequestPayoutHandler } from './commands/payouts.handler';
import { RefundPaymentHandler } from './commands/refund-payment.handler';
import { RetryPaymentHandler } from './commands/retry-payment.handler';
import { UpdateOrderIdHandler } from './commands/update-order-id.handler';
import { PaymentLookup } from './payment-lookup.projection';
import { PaymentFlow } from './payment.flow';

export interface PaymentsModuleOptions {
  config: AppConfig;
  pool: Pool;
  clock?: Clock;
  /** Tests and jobs may swap the adapters (the sandbox's clock, short timeouts). */
  gateways?: Record<GatewayName, GatewayPort>;
  tokenStore?: TokenStore;
  sleep?: (ms: number) => Promise<void>;
}

export const PAYMENT_COMMAND_HANDLERS = [
  CreatePaymentHandler,
  HandleGatewayNoticeHandler,
  CheckPaymentHandler,
  RefundPaymentHandler,
  CancelPaymentHandler,
  RetryPaymentHandler,
  UpdateOrderIdHandler,
  RegisterBeneficiaryHandler,
  RequestPayoutHandler,
  RefreshPayoutHandler,
  ExpirePaymentHandler,
];

/** Token issues and refreshes go to `gateway-session-<gateway>`, like every other interaction. */
export class EventStoreSessionSink implements SessionEventSink {
  constructor(private readonly store: EventStore) {}
  async record(gateway: GatewayName, events: NewEvent[]): Promise<void> {
    if (events.length) await this.store.append(`gateway-session-${gateway}`, events, 'any');
  }
}

/** The payment write side: command handlers on the CQRS bus, over one event store and the adapters. */
@Module({})
export class PaymentsModule {
  static forRoot(options: PaymentsModuleOptions): DynamicModule {
    const clock = options.clock ?? new SystemClock();
    return {
      module: PaymentsModule,
      imports: [CqrsModule.forRoot()],
      providers: [
        { provide: Clock, useValue: clock },
        {
          provide: PaymentFlow,
          inject: [EventStore],
          useFactory: (store: EventStore) => {
            const adapters =
              options.gateways ??
              createGatewayAdapters({
                config: options.config.gateways,
                publicBaseUrl: options.config.publicBaseUrl,
                now: () => clock.now(),
                sessionSink: new EventStoreSessionSink(store),
                tokenStore: options.tokenStore,
              });
            return new PaymentFlow(store, (gateway) => adapters[gateway], clock, options.sleep);
          },
        },
        { provide: PaymentLookup, useValue: new PaymentLookup(options.pool) },
        ...PAYMENT_COMMAND_HANDLERS,
      ],
      exports: [PaymentFlow, PaymentLookup, Clock, CqrsModule],
    };
  }
}
