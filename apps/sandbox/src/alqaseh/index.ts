export { createAlqasehSimulator, toCsv, webhookTimestamp } from './alqaseh.simulator';
export { canonicalString, plainAmountText, signWebhook, P_SIGN_FIELDS } from './alqaseh.signing';
export { TEST_CARD } from './alqaseh.cards';
export type { AlqasehScenario } from './alqaseh.scenarios';
