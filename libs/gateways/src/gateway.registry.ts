import type { GatewaysConfig } from '@payledger/config';
import { ALQASEH_CAPABILITIES, createAlqasehAdapter } from './alqaseh';
import { ATIPAY_CAPABILITIES, createAtipayAdapter } from './atipay';
import { createJibitAdapter, JIBIT_CAPABILITIES } from './jibit';
import { createMispayAdapter, MISPAY_CAPABILITIES } from './mispay';
import { createMocasaAdapter, MOCASA_CAPABILITIES } from './mocasa';
import { GatewayAdapterDeps } from './port/adapter-deps';
import { GatewayPort } from './port/gateway.port';
import { GatewayCapabilities, GatewayName } from './port/gateway.types';

/**
 * The one place that knows every gateway. Which operation each supports: an unsupported one throws
 * GATEWAY.UNSUPPORTED, and the API answers 422 before calling anything.
 */
export const GATEWAY_CAPABILITIES: Record<GatewayName, GatewayCapabilities> = {
  jibit: JIBIT_CAPABILITIES,
  atipay: ATIPAY_CAPABILITIES,
  mispay: MISPAY_CAPABILITIES,
  mocasa: MOCASA_CAPABILITIES,
  alqaseh: ALQASEH_CAPABILITIES,
};

export type GatewayRegistryDeps = Omit<GatewayAdapterDeps<unknown>, 'config'> & { config: GatewaysConfig };

export function createGatewayAdapters(deps: GatewayRegistryDeps): Record<GatewayName, GatewayPort> {
  const shared = { ...deps, config: undefined };
  return {
    jibit: createJibitAdapter({ ...shared, config: deps.config.jibit }),
    atipay: createAtipayAdapter({ ...shared, config: deps.config.atipay }),
    mispay: createMispayAdapter({ ...shared, config: deps.config.mispay }),
    mocasa: createMocasaAdapter({ ...shared, config: deps.config.mocasa }),
    alqaseh: createAlqasehAdapter({ ...shared, config: deps.config.alqaseh }),
  };
}

/** MIS Pay's refund notices carry no amount; the payment flow matches them against its own refunds (D8). */
export { matchRefundNotice } from './mispay';
