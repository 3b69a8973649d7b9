import type { GatewayAdapterDeps } from '../port/adapter-deps';
import { JibitAdapter } from './jibit.adapter';
import type { JibitConfig } from './jibit.config';

export { JIBIT_CAPABILITIES, JIBIT_CREATE_LOST, JIBIT_ORDER_REF, JibitAdapter } from './jibit.adapter';
export { JIBIT_SESSION_RENEWED_EVENT } from './jibit.client';
export * from './jibit.config';

/** The Jibit PPG v2 adapter (shared/gateways/jibit.md). */
export function createJibitAdapter(deps: GatewayAdapterDeps<JibitConfig>): JibitAdapter {
  return new JibitAdapter(deps);
}
