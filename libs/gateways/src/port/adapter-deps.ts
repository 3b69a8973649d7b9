import { Sleep } from '../http/retry';
import { SessionEventSink, TokenStore } from '../http/token-holder';

/** What every adapter factory receives. Nothing here reads process.env: config comes from libs/config. */
export interface GatewayAdapterDeps<TConfig> {
  config: TConfig;
  /** Where gateways and browsers reach our api: callback, return and webhook URLs are built from it. */
  publicBaseUrl: string;
  now: () => Date;
  /** Injected so tests do not wait out real back-off delays. */
  sleep?: Sleep;
  random?: () => number;
  sessionSink?: SessionEventSink;
  tokenStore?: TokenStore;
  /** Per-operation timeout overrides in ms (`verify`, `create-order` …). */
  timeoutsMs?: Partial<Record<string, number>>;
}
