import { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayPort } from '../port/gateway.port';
import { AtipayAdapter } from './atipay.adapter';
import { AtipayConfig } from './atipay.config';

export * from './atipay.adapter';
export * from './atipay.client';
export * from './atipay.config';
export * from './atipay.errors';
export * from './atipay.policy';
export * from './atipay.transformers';
export * from './atipay.types';

export function createAtipayAdapter(deps: GatewayAdapterDeps<AtipayConfig>): GatewayPort {
  return new AtipayAdapter(deps);
}
