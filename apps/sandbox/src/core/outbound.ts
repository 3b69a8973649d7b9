import { RequestLog } from './request-log';

export interface OutboundDelivery {
  gateway: string;
  url: string;
  method: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** JSON body. */
  json?: unknown;
  /** Form body. */
  form?: Record<string, string>;
  timeoutMs?: number;
}

export interface DeliveryResult {
  status?: number;
  error?: string;
  body?: string;
}

/**
 * A callback or webhook the simulator sends itself ("direct mode"), logged with the status our api
 * answered, so tests can see how payledger replied to the gateway.
 */
export async function deliver(log: RequestLog, delivery: OutboundDelivery, now: () => Date): Promise<DeliveryResult> {
  const headers: Record<string, string> = { ...(delivery.headers ?? {}) };
  let body: string | undefined;
  if (delivery.json !== undefined) {
    headers['content-type'] ??= 'application/json';
    body = JSON.stringify(delivery.json);
  } else if (delivery.form !== undefined) {
    headers['content-type'] ??= 'application/x-www-form-urlencoded';
    body = new URLSearchParams(delivery.form).toString();
  }
  const started = Date.now();
  const url = new URL(delivery.url);
  try {
    const response = await fetch(delivery.url, {
      method: delivery.method,
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(delivery.timeoutMs ?? 10_000),
    });
    const text = await response.text();
    log.add({
      at: now().toISOString(),
      gateway: delivery.gateway,
      direction: 'out',
      method: delivery.method,
      path: url.pathname + url.search,
      headers,
      body: delivery.json ?? delivery.form,
      status: response.status,
      latencyMs: Date.now() - started,
    });
    return { status: response.status, body: text };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    log.add({
      at: now().toISOString(),
      gateway: delivery.gateway,
      direction: 'out',
      method: delivery.method,
      path: url.pathname + url.search,
      headers,
      body: delivery.json ?? delivery.form,
      latencyMs: Date.now() - started,
      error: message,
    });
    return { error: message };
  }
}
