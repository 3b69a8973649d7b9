import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import type { Response } from 'express';
import { DomainError } from '@payledger/kernel';

export interface ErrorBody {
  error: { code: string; message: string; details?: unknown };
}

/** Domain error codes → HTTP statuses. Statuses are chosen here, in the HTTP edge, and nowhere else. */
const STATUS_BY_CODE: Array<[RegExp, number]> = [
  [/^REQUEST\.IDEMPOTENCY_(MISMATCH|IN_PROGRESS)$/, 409],
  [/^REFUND\.INVALID_AMOUNT$/, 400],
  [/^REQUEST\./, 400],
  [/^MONEY\./, 400],
  [/^CALLBACK\.(SIGNATURE_INVALID|SOURCE_REFUSED)$/, 401],
  [/^CALLBACK\.METHOD_NOT_ALLOWED$/, 405],
  [/^CALLBACK\./, 400],
  [/^AUTH\.UNAUTHENTICATED$/, 401],
  [/^AUTH\./, 403],
  [/\.NOT_FOUND$/, 404],
  [/^GATEWAY\.(UNSUPPORTED|REJECTED|INVALID_REQUEST)$/, 422],
  [/^REFUND\.PARTIAL_NOT_SUPPORTED$/, 422],
  [/^GATEWAY\.TIMEOUT$/, 504],
  [/^GATEWAY\./, 502],
  [/^(PAYMENT|REFUND|PAYOUT|RECONCILIATION|PROJECTION)\./, 409],
  // A ledger check failing on read means a corrupted projection, never the caller's fault.
  [/^LEDGER\./, 500],
];

export function statusForCode(code: string): number {
  for (const [pattern, status] of STATUS_BY_CODE) if (pattern.test(code)) return status;
  return 422;
}

@Catch()
export class ErrorBodyFilter implements ExceptionFilter {
  private readonly logger = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.toBody(exception);
    if (status >= 500) this.logger.error(exception instanceof Error ? exception.message : String(exception));
    response.status(status).json(body);
  }

  toBody(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof DomainError || isCodedError(exception)) {
      const coded = exception as { code: string; message: string; details?: unknown };
      return { status: statusForCode(coded.code), body: { error: { code: coded.code, message: coded.message, details: coded.details } } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const answer = exception.getResponse() as string | { message?: string | string[]; error?: unknown };
      const message = typeof answer === 'string' ? answer : Array.isArray(answer.message) ? answer.message.join('; ') : (answer.message ?? exception.message);
      const code = status === 404 ? 'ROUTE.NOT_FOUND' : status === 413 ? 'REQUEST.TOO_LARGE' : status < 500 ? 'REQUEST.INVALID' : 'INTERNAL';
      return { status, body: { error: { code, message } } };
    }
    const parseError = exception as { type?: string; status?: number; message?: string };
    if (parseError?.type === 'entity.parse.failed') {
      return { status: 400, body: { error: { code: 'REQUEST.INVALID', message: 'the request body is not valid JSON' } } };
    }
    return { status: HttpStatus.INTERNAL_SERVER_ERROR, body: { error: { code: 'INTERNAL', message: 'internal error' } } };
  }
}

function isCodedError(error: unknown): boolean {
  return error instanceof Error && typeof (error as { code?: unknown }).code === 'string' && /^[A-Z_]+\.[A-Z_]+$/.test((error as unknown as { code: string }).code);
}
