/**
 * The sandbox's injectable clock: real time plus an offset that tests move forward. Every TTL, deadline
 * and delayed delivery of every simulator reads it; advancing it fires whatever falls due.
 */
export interface ScheduledTask {
  id: number;
  dueAt: number;
  label: string;
  run: () => void | Promise<void>;
}

/** Timers fire at most this many per tick, so a runaway schedule cannot starve the server. */
const TASKS_PER_TICK_MAX = 10_000;

export class SandboxClock {
  private offsetMs = 0;
  private frozenAtMs: number | undefined;
  private nextId = 1;
  private readonly tasks: ScheduledTask[] = [];
  private ticker: NodeJS.Timeout | undefined;

  constructor(options: { startAt?: Date; frozen?: boolean } = {}) {
    if (options.startAt) this.offsetMs = options.startAt.getTime() - Date.now();
    if (options.frozen) this.frozenAtMs = (options.startAt ?? new Date()).getTime();
  }

  now(): Date {
    return new Date(this.nowMs());
  }

  nowMs(): number {
    return this.frozenAtMs ?? Date.now() + this.offsetMs;
  }

  /** Moves the clock forward and runs every task that fell due, in due order. */
  async advance(ms: number): Promise<number> {
    if (!Number.isFinite(ms) || ms < 0) throw new RangeError('advanceMs must be a non-negative number');
    if (this.frozenAtMs !== undefined) this.frozenAtMs += ms;
    else this.offsetMs += ms;
    return this.runDue();
  }

  schedule(at: Date | number, label: string, run: () => void | Promise<void>): number {
    const task: ScheduledTask = { id: this.nextId++, dueAt: typeof at === 'number' ? at : at.getTime(), label, run };
    this.tasks.push(task);
    this.tasks.sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
    return task.id;
  }

  after(ms: number, label: string, run: () => void | Promise<void>): number {
    return this.schedule(this.nowMs() + ms, label, run);
  }

  cancel(id: number): void {
    const index = this.tasks.findIndex((t) => t.id === id);
    if (index >= 0) this.tasks.splice(index, 1);
  }

  pending(): Array<{ id: number; dueAt: string; label: string }> {
    return this.tasks.map((t) => ({ id: t.id, dueAt: new Date(t.dueAt).toISOString(), label: t.label }));
  }

  async runDue(): Promise<number> {
    let ran = 0;
    while (ran < TASKS_PER_TICK_MAX && this.tasks.length > 0 && this.tasks[0].dueAt <= this.nowMs()) {
      const task = this.tasks.shift()!;
      ran += 1;
      try {
        await task.run();
      } catch {
        // A failed delivery is the simulator's to record; the clock keeps going.
      }
    }
    return ran;
  }

  /** In real-time use (npm start) due tasks also fire as wall-clock time passes. */
  startTicking(intervalMs = 250): void {
    if (this.ticker) return;
    this.ticker = setInterval(() => void this.runDue(), intervalMs);
    this.ticker.unref();
  }

  stopTicking(): void {
    if (this.ticker) clearInterval(this.ticker);
    this.ticker = undefined;
  }

  reset(): void {
    this.tasks.splice(0, this.tasks.length);
    this.offsetMs = 0;
    if (this.frozenAtMs !== undefined) this.frozenAtMs = Date.now();
  }
}
