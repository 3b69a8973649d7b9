import { createHash, timingSafeEqual } from 'node:crypto';
import { MOCASA_SIGNATURE_LENGTH_MAX } from './mocasa.config';
import type { MocasaSignatureForm } from './mocasa.types';

/** §4.2: the document's recipe joins the two fields and the secret with `|`. */
export function mocasaSignatureInput(orderNo: string, txStatus: string, secret: string): string {
  return `${orderNo}|${txStatus}|${secret}`;
}

/**
 * Every header value D8 accepts for this notice. The document says "hash with SHA-256, base64-encode"
 * without saying whether the raw digest or its hex text is encoded, so both are accepted.
 */
export function mocasaSignatureCandidates(orderNo: string, txStatus: string, secret: string): Record<MocasaSignatureForm, string> {
  const digest = createHash('sha256').update(mocasaSignatureInput(orderNo, txStatus, secret), 'utf8').digest();
  const hex = digest.toString('hex');
  return {
    'base64-raw-digest': digest.toString('base64'),
    'base64-hex-lower': Buffer.from(hex, 'utf8').toString('base64'),
    'base64-hex-upper': Buffer.from(hex.toUpperCase(), 'utf8').toString('base64'),
  };
}

/**
 * The form the header matched, or undefined. Each candidate is compared in constant time and all are
 * compared, so timing says nothing about which one came close.
 */
export function verifyMocasaSignature(header: string | undefined, orderNo: string, txStatus: string, secret: string): MocasaSignatureForm | undefined {
  if (typeof header !== 'string') return undefined;
  const presented = header.trim();
  if (presented === '' || presented.length > MOCASA_SIGNATURE_LENGTH_MAX) return undefined;
  const presentedBytes = Buffer.from(presented, 'utf8');
  let matched: MocasaSignatureForm | undefined;
  for (const [form, expected] of Object.entries(mocasaSignatureCandidates(orderNo, txStatus, secret)) as Array<[MocasaSignatureForm, string]>) {
    const expectedBytes = Buffer.from(expected, 'utf8');
    // Lengths are public (they only tell which encoding); contents are compared in constant time.
    const same = expectedBytes.length === presentedBytes.length && timingSafeEqual(expectedBytes, presentedBytes);
    if (same && matched === undefined) matched = form;
  }
  return matched;
}
