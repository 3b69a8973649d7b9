import { GatewayError } from '../port/gateway-error';

export type Sleep = (ms: number) => Promise<void>;
export const realSleep: Sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export interface RetryPlan {
  /** Delay before each retry: its length is the retry bound (`[1000, 2000, 4000]` = up to 3 retries). */
  delaysMs: readonly number[];
  /** ± fraction of each delay, so instances that failed together do not retry together. */
  jitterRatio?: number;
  /** Give up once this much time has passed since the first try (AtiPay's 60 s verify budget). */
  budgetMs?: number;
}

/**
 * Runs `operation` and repeats it per the plan while `isRetryable` says the failure may pass.
 * Only for calls the gateway spec says are safe to repeat.
 */
export async function withRetries<T>(
  plan: RetryPlan,
  operation: (attempt: number) => Promise<T>,
  options: { sleep?: Sleep; random?: () => number; now?: () => number; isRetryable?: (error: unknown) => boolean } = {},
): Promise<T> {
  const sleep = options.sleep ?? realSleep;
  const random = options.random ?? Math.random;
  const now = options.now ?? Date.now;
  const isRetryable = options.isRetryable ?? isTransient;
  const started = now();
  for (let attempt = 1; ; attempt++) {
    try {
      return await operation(attempt);
    } catch (error) {
      const delay = plan.delaysMs[attempt - 1];
      if (delay === undefined || !isRetryable(error)) throw error;
      const jitter = plan.jitterRatio ?? 0.2;
      const wait = Math.max(0, Math.round(delay * (1 + (random() * 2 - 1) * jitter)));
      if (plan.budgetMs !== undefined && now() - started + wait > plan.budgetMs) throw error;
      await sleep(wait);
    }
  }
}

/** Network errors, timeouts and 5xx: the request may not have been executed, or will answer the same. */
export function isTransient(error: unknown): boolean {
  return error instanceof GatewayError && (error.code === 'GATEWAY.TIMEOUT' || error.code === 'GATEWAY.UNAVAILABLE');
}
