import { createHash } from 'node:crypto';

/** How the simulator signs a webhook (§7): base64 of the raw digest by default, base64 of the hex digest as an option. */
export type MocasaSigningMode = 'raw' | 'hex' | 'bad' | 'none';

/** §4.2: SHA-256 over `orderNo|txStatus|secret`, base64-encoded. The simulator's own copy, independent of the adapter's. */
export function mocasaSimSignature(orderNo: string, txStatus: string, secret: string, mode: 'raw' | 'hex'): string {
  const digest = createHash('sha256').update(`${orderNo}|${txStatus}|${secret}`, 'utf8').digest();
  return mode === 'raw' ? digest.toString('base64') : Buffer.from(digest.toString('hex'), 'utf8').toString('base64');
}
