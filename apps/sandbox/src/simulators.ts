import type { GatewayName } from '@payledger/gateways';
import type { SimulatorFactory } from './core';

/** The one list of simulators the sandbox serves; each gateway's lives in its own folder. */
export const SIMULATORS: Partial<Record<GatewayName, SimulatorFactory>> = {};
