import type { GatewayName } from '@payledger/gateways';
import { createAlqasehSimulator } from './alqaseh';
import { createAtipaySimulator } from './atipay/atipay.simulator';
import type { SimulatorFactory } from './core';
import { createJibitSimulator } from './jibit';
import { createMispaySimulator } from './mispay/mispay.simulator';
import { createMocasaSimulator } from './mocasa';

/** The one list of simulators the sandbox serves; each gateway's lives in its own folder. */
export const SIMULATORS: Record<GatewayName, SimulatorFactory> = {
  jibit: createJibitSimulator,
  atipay: createAtipaySimulator,
  mispay: createMispaySimulator,
  mocasa: createMocasaSimulator,
  alqaseh: createAlqasehSimulator,
};
