import { randomUUID } from 'node:crypto';
import type { Request } from 'express';
import type { CommandContext } from '@payledger/payments';

/** The correlation id of a request: the caller's `X-Request-Id` when sane, else a new one. */
export function requestContext(req: Request, actor: string): CommandContext {
  const given = req.headers['x-request-id'];
  const correlationId = typeof given === 'string' && /^[\x21-\x7e]{1,128}$/.test(given) ? given : randomUUID();
  return { actor, correlationId };
}
