/**
 * Queued outcomes: by reference (the merchant's order reference of that gateway), or for "the next
 * payment". A reference-specific scenario wins over the queue.
 */
export interface Scenario {
  outcome: string;
  reference?: string;
  [option: string]: unknown;
}

const QUEUE_LENGTH_MAX = 1000;

export class ScenarioBook {
  private readonly byReference = new Map<string, Scenario>();
  private readonly next: Scenario[] = [];

  add(scenario: Scenario): void {
    if (scenario.reference) {
      this.byReference.set(scenario.reference, scenario);
    } else {
      if (this.next.length >= QUEUE_LENGTH_MAX) throw new RangeError(`at most ${QUEUE_LENGTH_MAX} queued scenarios`);
      this.next.push(scenario);
    }
  }

  /** The scenario for a new payment with this reference: its own, else the next queued one, else none. */
  take(reference: string | undefined): Scenario | undefined {
    if (reference && this.byReference.has(reference)) {
      const scenario = this.byReference.get(reference)!;
      this.byReference.delete(reference);
      return scenario;
    }
    return this.next.shift();
  }

  /** Looks without consuming (for a scenario set after the payment was created). */
  peek(reference: string): Scenario | undefined {
    return this.byReference.get(reference);
  }

  list(): { byReference: Scenario[]; next: Scenario[] } {
    return { byReference: [...this.byReference.values()], next: [...this.next] };
  }

  reset(): void {
    this.byReference.clear();
    this.next.splice(0, this.next.length);
  }
}
