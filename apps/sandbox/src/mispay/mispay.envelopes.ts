import type { Response } from 'express';

/** MIS Pay's reply envelopes (mispay.md §2) and error codes. */
export type MispaySimErrorCode = 'ME01' | 'ME02' | 'ME03' | 'ME04' | 'ME05' | 'ME10' | 'ME11' | 'ME97';

export function replySuccess(res: Response, result: unknown, httpStatus = 200): void {
  res.status(httpStatus).json({ status: 'success', result });
}

/** Shape A: `{ status: "error : 400", result: "ExceptionType.ME01" }`; some endpoints write `"error :: 400"`. */
export function replyErrorA(res: Response, code: MispaySimErrorCode, httpStatus = 400, separator: ':' | '::' = ':'): void {
  res.status(httpStatus).json({ status: `error ${separator} ${httpStatus}`, result: `ExceptionType.${code}` });
}

/**
 * Shape B: `{ status: "error", result: { code: 401, message: "ME10" } }`. `details` (the problems found)
 * is a sandbox addition to help whoever reads the reply; MIS Pay is not known to send it.
 */
export function replyErrorB(res: Response, code: MispaySimErrorCode, httpStatus = 400, details?: string[]): void {
  res.status(httpStatus).json({ status: 'error', result: { code: httpStatus, message: code, ...(details && details.length > 0 ? { details } : {}) } });
}

/** What a fault-injected 5xx looks like: the server failing, no MIS Pay code. */
export function replyServerError(res: Response): void {
  res.status(500).json({ status: 'error : 500', result: 'Internal Server Error' });
}
