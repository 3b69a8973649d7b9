import type { GatewayAdapterDeps } from '../port/adapter-deps';
import type { GatewayPort } from '../port/gateway.port';
import { MocasaAdapter, MocasaAdapterOptions } from './mocasa.adapter';
import type { MocasaConfig } from './mocasa.config';

export { MOCASA_CAPABILITIES, MOCASA_REFS, MocasaAdapter } from './mocasa.adapter';
export type { MocasaAdapterOptions } from './mocasa.adapter';
export {
  MOCASA_CREATE_RECOVERY_SCHEDULE_MS,
  MOCASA_REQUERY_EARLY_OFFSETS_MS,
  MOCASA_REQUERY_INTERVAL_MS,
  MOCASA_REQUERY_WINDOW_MS,
  MOCASA_TRANSFER_RECOVERY_SCHEDULE_MS,
  MOCASA_TRANSFER_SERIAL_PREFIX,
} from './mocasa.config';
export type { MocasaConfig } from './mocasa.config';
export { mocasaSignatureCandidates, verifyMocasaSignature } from './mocasa.crypto';
export { mocasaRequeryDelayMs, mocasaRequeryOffsetsMs } from './mocasa.transformers';

export function createMocasaAdapter(deps: GatewayAdapterDeps<MocasaConfig>, options: MocasaAdapterOptions = {}): GatewayPort {
  return new MocasaAdapter(deps, options);
}
