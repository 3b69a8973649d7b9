/** JSON for jsonb columns: BigInt becomes its decimal string (money is never a JSON number). */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, inner: unknown) => (typeof inner === 'bigint' ? inner.toString() : inner));
}
