/**
 * An error the domain expects and names with a stable code (`PAYMENT.AMOUNT_MISMATCH`).
 * Codes are part of the public contract; only controllers turn them into HTTP statuses.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

export function isDomainError(error: unknown, code?: string): error is DomainError {
  return error instanceof DomainError && (code === undefined || error.code === code);
}
