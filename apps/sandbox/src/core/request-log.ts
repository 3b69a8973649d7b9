/** What crossed the sandbox's edge, both ways, for tests and for people debugging an integration. */
export interface LoggedRequest {
  seq: number;
  at: string;
  gateway: string;
  direction: 'in' | 'out';
  method: string;
  path: string;
  query?: Record<string, unknown>;
  headers?: Record<string, string>;
  body?: unknown;
  status?: number;
  latencyMs?: number;
  error?: string;
}

const LOG_ENTRIES_MAX = 10_000;

export class RequestLog {
  private entries: LoggedRequest[] = [];
  private seq = 0;

  add(entry: Omit<LoggedRequest, 'seq'>): LoggedRequest {
    const logged = { ...entry, seq: ++this.seq };
    this.entries.push(logged);
    if (this.entries.length > LOG_ENTRIES_MAX) this.entries.splice(0, this.entries.length - LOG_ENTRIES_MAX);
    return logged;
  }

  list(filter: { gateway?: string; direction?: 'in' | 'out'; path?: string } = {}): LoggedRequest[] {
    return this.entries.filter(
      (e) =>
        (!filter.gateway || e.gateway === filter.gateway) &&
        (!filter.direction || e.direction === filter.direction) &&
        (!filter.path || e.path.includes(filter.path)),
    );
  }

  reset(): void {
    this.entries = [];
    this.seq = 0;
  }
}
