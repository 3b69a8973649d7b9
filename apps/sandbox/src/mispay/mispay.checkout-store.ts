import type { Scenario } from '../core/scenario-book';
import type { MispayScenarioSettings } from './mispay.scenario';

/** track-checkout statuses (mispay.md §3.4). */
export type MispayCheckoutStatus = 'in-progress' | 'pending' | 'success' | 'canceled' | 'error';
export const TERMINAL_STATUSES: ReadonlySet<MispayCheckoutStatus> = new Set(['success', 'canceled', 'error']);

export interface SimRefund {
  merchantRefundId?: string;
  transactionId: string;
  amountMinor: bigint;
  at: string;
  /** The reply as first given: a repeated merchantRefundId gets exactly this (simulator convention). */
  reply: Record<string, unknown>;
}

export interface SimCheckout {
  trackId: string;
  /** MIS Pay's current order id (update-order-id changes it). */
  orderId: string;
  originalOrderId: string;
  amountMinor: bigint;
  status: MispayCheckoutStatus;
  history: Array<{ status: MispayCheckoutStatus; at: string }>;
  createdAt: Date;
  callbackUrl: string;
  scenario?: Scenario;
  /** The scenario read into its settings (mispay.scenario.ts). */
  settings?: MispayScenarioSettings;
  /** The scenario's automated buyer has acted (it acts once). */
  scenarioActed: boolean;
  /** unknown-then-*: the status is held at `pending` until the scenario resolves. */
  resolving: boolean;
  pageOpenedAt?: string;
  checkoutId?: string;
  successAt?: string;
  ended: boolean;
  transactionId?: string;
  endedAt?: string;
  refunds: SimRefund[];
  refundedMinor: bigint;
  userId: string;
  /** Where the browser is sent once the checkout is final (the callback URL with `_` and appId). */
  callbackLocation?: string;
  idleTaskId?: number;
  autoCancelTaskId?: number;
  /** Clock tasks to cancel on reset. */
  taskIds: Set<number>;
  request: unknown;
}

const CHECKOUTS_MAX = 10_000;

export class MispayCheckoutStore {
  private readonly byTrack = new Map<string, SimCheckout>();
  private readonly byCheckout = new Map<string, SimCheckout>();

  add(checkout: SimCheckout): void {
    if (this.byTrack.size >= CHECKOUTS_MAX) {
      const oldest = this.byTrack.keys().next().value as string;
      const dropped = this.byTrack.get(oldest)!;
      this.byTrack.delete(oldest);
      if (dropped.checkoutId) this.byCheckout.delete(dropped.checkoutId);
    }
    this.byTrack.set(checkout.trackId, checkout);
  }

  assignCheckoutId(checkout: SimCheckout, checkoutId: string): void {
    checkout.checkoutId = checkout.checkoutId ?? checkoutId;
    this.byCheckout.set(checkout.checkoutId, checkout);
  }

  byTrackId(trackId: string): SimCheckout | undefined {
    return this.byTrack.get(trackId);
  }

  byCheckoutId(checkoutId: string): SimCheckout | undefined {
    return this.byCheckout.get(checkoutId);
  }

  /** An open or finished checkout already uses this merchant order id. */
  findByOrderId(orderId: string): SimCheckout | undefined {
    for (const checkout of this.byTrack.values()) {
      if (checkout.orderId === orderId || checkout.originalOrderId === orderId) return checkout;
    }
    return undefined;
  }

  all(): SimCheckout[] {
    return [...this.byTrack.values()];
  }

  clear(): void {
    this.byTrack.clear();
    this.byCheckout.clear();
  }
}
