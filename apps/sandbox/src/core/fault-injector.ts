import type { NextFunction, Request, Response } from 'express';

/**
 * Faults queued per endpoint for the next N calls. Common kinds are applied here; any other kind (e.g.
 * Mocasa's `success-false`) is handed to the endpoint in `res.locals.fault` for it to act on.
 * - `5xx`: the gateway's own server-error reply;
 * - `timeout`: hold the request (default 120 s, or until the client gives up), then drop the connection;
 * - `slow`: wait `delayMs`, then answer normally;
 * - `drop`: close the connection without answering, before doing anything;
 * - `commit-then-drop`: do the work, then close the connection instead of answering.
 */
export interface Fault {
  endpoint: string;
  kind: string;
  count: number;
  delayMs?: number;
  [option: string]: unknown;
}

export const COMMON_FAULT_KINDS = ['5xx', 'timeout', 'slow', 'drop', 'commit-then-drop'] as const;
const HOLD_DEFAULT_MS = 120_000;
const HOLD_MAX_MS = 600_000;
const FAULTS_MAX = 1000;

export type ServerErrorResponder = (req: Request, res: Response) => void;

export class FaultInjector {
  private faults: Fault[] = [];

  add(fault: Fault): void {
    if (this.faults.length >= FAULTS_MAX) throw new RangeError(`at most ${FAULTS_MAX} queued faults`);
    this.faults.push({ ...fault, count: Math.max(1, Math.floor(fault.count || 1)) });
  }

  /** Consumes one use of the first fault queued for this endpoint. */
  take(endpoint: string): Fault | undefined {
    const index = this.faults.findIndex((f) => f.endpoint === endpoint || f.endpoint === '*');
    if (index < 0) return undefined;
    const fault = this.faults[index];
    fault.count -= 1;
    if (fault.count <= 0) this.faults.splice(index, 1);
    return { ...fault };
  }

  list(): Fault[] {
    return this.faults.map((f) => ({ ...f }));
  }

  reset(): void {
    this.faults = [];
  }

  /** Express middleware for one endpoint. */
  guard(endpoint: string, serverError: ServerErrorResponder) {
    return (req: Request, res: Response, next: NextFunction): void => {
      const fault = this.take(endpoint);
      if (!fault) return next();
      switch (fault.kind) {
        case '5xx':
          return serverError(req, res);
        case 'drop':
          req.socket.destroy();
          return;
        case 'timeout': {
          const holdMs = Math.min(fault.delayMs ?? HOLD_DEFAULT_MS, HOLD_MAX_MS);
          const timer = setTimeout(() => req.socket.destroy(), holdMs);
          req.socket.once('close', () => clearTimeout(timer));
          return;
        }
        case 'slow': {
          const timer = setTimeout(next, Math.min(fault.delayMs ?? 1000, HOLD_MAX_MS));
          req.socket.once('close', () => clearTimeout(timer));
          return;
        }
        case 'commit-then-drop':
          dropInsteadOfAnswering(req, res);
          return next();
        default:
          res.locals.fault = fault;
          return next();
      }
    };
  }
}

/** The handler runs and changes state; its answer never leaves: the connection is closed instead. */
export function dropInsteadOfAnswering(req: Request, res: Response): void {
  const drop = () => {
    req.socket.destroy();
    return res;
  };
  res.send = drop as Response['send'];
  res.json = drop as Response['json'];
  res.end = drop as unknown as Response['end'];
  res.redirect = drop as unknown as Response['redirect'];
}
