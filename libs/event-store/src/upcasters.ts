/**
 * Old schema versions are upgraded on read, one step at a time (N → N+1 → … → latest), so a stored event
 * is never edited and handlers only ever see the latest shape.
 */
export type Upcaster = (data: Record<string, unknown>) => Record<string, unknown>;

export class UpcasterRegistry {
  private readonly steps = new Map<string, Map<number, Upcaster>>();

  /** Registers the step that turns `fromVersion` of `type` into `fromVersion + 1`. */
  register(type: string, fromVersion: number, upcaster: Upcaster): this {
    const byVersion = this.steps.get(type) ?? new Map<number, Upcaster>();
    if (byVersion.has(fromVersion)) throw new Error(`an upcaster for ${type} v${fromVersion} is already registered`);
    byVersion.set(fromVersion, upcaster);
    this.steps.set(type, byVersion);
    return this;
  }

  latestVersion(type: string): number {
    const byVersion = this.steps.get(type);
    if (!byVersion || byVersion.size === 0) return 1;
    return Math.max(...byVersion.keys()) + 1;
  }

  upcast(type: string, schemaVersion: number, data: unknown): { schemaVersion: number; data: unknown } {
    const byVersion = this.steps.get(type);
    if (!byVersion) return { schemaVersion, data };
    const latest = this.latestVersion(type);
    let version = schemaVersion;
    let current = data as Record<string, unknown>;
    // Bounded by the number of registered steps: each iteration moves one version forward or stops.
    while (version < latest) {
      const step = byVersion.get(version);
      if (!step) throw new Error(`no upcaster for ${type} v${version} → v${version + 1}`);
      current = step(current);
      version += 1;
    }
    return { schemaVersion: version, data: current };
  }
}
