import type { GatewayAdapterDeps } from '../port/adapter-deps';
import type { GatewayPort } from '../port/gateway.port';
import { AlqasehAdapter } from './alqaseh.adapter';
import type { AlqasehConfig } from './alqaseh.config';

export { ALQASEH_CAPABILITIES, AlqasehAdapter } from './alqaseh.adapter';
export { AlqasehClient } from './alqaseh.client';
export * from './alqaseh.config';
export { nextPollDelayMs } from './alqaseh.polling';
export { ALQASEH_P_SIGN_FIELDS, computePSign, plainDecimalText, pSignCanonicalString, verifyPSign } from './alqaseh.signing';
export { ALQASEH_REFS } from './alqaseh.transformers';

export function createAlqasehAdapter(deps: GatewayAdapterDeps<AlqasehConfig>): GatewayPort {
  return new AlqasehAdapter(deps);
}
