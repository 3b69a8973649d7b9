import { GatewayAdapterDeps } from '../port/adapter-deps';
import { GatewayPort } from '../port/gateway.port';
import { MispayAdapter } from './mispay.adapter';
import { MispayConfig } from './mispay.config';

export { MISPAY_CAPABILITIES, MispayAdapter } from './mispay.adapter';
export { MispayClient, TOKEN_ISSUED_EVENT } from './mispay.client';
export * from './mispay.config';
export {
  decryptBlob,
  decryptCallbackValue,
  decodeBase64Tolerant,
  deriveKey,
  encodeCallbackValue,
  encryptToBlob,
  MispayCryptoError,
  PBKDF2_ITERATIONS,
} from './mispay.crypto';
export { matchRefundNotice } from './mispay.transformers';
export type { IssuedRefund, RefundNoticeMatch } from './mispay.transformers';
export type * from './mispay.types';

/**
 * The MIS Pay GatewayPort. The object also offers `parseInboundAsync` (same verdict, PBKDF2 off the
 * event loop): callers that can await should prefer it for callbacks.
 */
export function createMispayAdapter(deps: GatewayAdapterDeps<MispayConfig>): GatewayPort & Pick<MispayAdapter, 'parseInboundAsync'> {
  return new MispayAdapter(deps);
}
