export { createMocasaSimulator, MOCASA_FAULT_ENDPOINTS, MOCASA_FAULT_KINDS } from './mocasa.simulator';
export { MOCASA_CODES } from './mocasa.envelope';
export { MOCASA_ORDER_OUTCOMES } from './mocasa.scenarios';
