import { Env, readBool, readInt, readList, readUrl } from './config.schema';

/**
 * Per-gateway settings, named exactly as the "Configuration" subsection of each gateways/<name>.md.
 * Sandbox credential defaults apply only while the base URL is the built-in sandbox; pointing a gateway
 * anywhere else makes its credentials mandatory and drops sandbox-only defaults.
 */
export interface JibitConfig {
  baseUrl: string;
  apiKey: string;
  secretKey: string;
  verifyBeforeDeadline: boolean;
  amountMin: bigint;
  isSandbox: boolean;
}
export interface AtipayConfig {
  baseUrl: string;
  apiKey: string;
  terminalId: string;
  abandonAfterMinutes: number;
  isSandbox: boolean;
}
export interface MispayConfig {
  baseUrl: string;
  appId: string;
  appSecret: string;
  sendCallbackUri: boolean;
  webhookAllowedIps: string[];
  updateOrderIdPath: string;
  isSandbox: boolean;
}
export interface MocasaConfig {
  baseUrl: string;
  clientKey: string;
  clientSecret: string;
  webhookSecret: string;
  authCodes: string[];
  orderNotFoundCodes: string[];
  transferNotFoundCodes: string[];
  isSandbox: boolean;
}
export interface AlqasehConfig {
  baseUrl: string;
  payBaseUrl: string;
  clientId: string;
  clientSecret: string;
  /** Undefined: p_sign is recorded and ignored (D8). */
  webhookSecret: string | undefined;
  tokenExpiryHours: number;
  isSandbox: boolean;
}
export interface GatewaysConfig {
  jibit: JibitConfig;
  atipay: AtipayConfig;
  mispay: MispayConfig;
  mocasa: MocasaConfig;
  alqaseh: AlqasehConfig;
}

export const SANDBOX_CREDENTIALS = {
  jibit: { apiKey: 'sandbox-jibit-api-key', secretKey: 'sandbox-jibit-secret-key' },
  atipay: { apiKey: 'sandbox-atipay-api-key', terminalId: 'sandbox-terminal-1' },
  mispay: { appId: 'sandbox-app-id', appSecret: 'sandbox-secret-123' },
  mocasa: { clientKey: 'mp_sandbox', clientSecret: 'sandbox-mocasa-secret' },
  alqaseh: { clientId: 'public_test', clientSecret: 'Lr10yWWmm1dXLoI7VgXCrQVnlq13c1G0' },
} as const;

const MISPAY_PRODUCTION_WEBHOOK_IPS = ['34.166.80.250'];

export function readGatewaysConfig(env: Env, sandboxBaseUrl: string, problems: string[]): GatewaysConfig {
  /** A credential: the sandbox value while the base URL is the sandbox's, else required. */
  const credential = (name: string, isSandbox: boolean, sandboxValue: string, baseUrlVar: string): string => {
    const raw = env[name];
    if (raw !== undefined && raw !== '') return raw;
    if (isSandbox) return sandboxValue;
    problems.push(`${name} is required because ${baseUrlVar} points at a real gateway, not the built-in sandbox`);
    return '';
  };

  const jibitDefault = `${sandboxBaseUrl}/jibit/ppg/v2`;
  const jibitBase = readUrl(env, 'JIBIT_BASE_URL', jibitDefault, problems)!;
  const jibitSandbox = jibitBase === jibitDefault;

  const atipayDefault = `${sandboxBaseUrl}/atipay/v1`;
  const atipayBase = readUrl(env, 'ATIPAY_BASE_URL', atipayDefault, problems)!;
  const atipaySandbox = atipayBase === atipayDefault;

  const mispayDefault = `${sandboxBaseUrl}/mispay/v1/api`;
  const mispayBase = readUrl(env, 'MISPAY_BASE_URL', mispayDefault, problems)!;
  const mispaySandbox = mispayBase === mispayDefault;

  const mocasaDefault = `${sandboxBaseUrl}/mocasa`;
  const mocasaBase = readUrl(env, 'MOCASA_BASE_URL', mocasaDefault, problems)!;
  const mocasaSandbox = mocasaBase === mocasaDefault;

  const alqasehDefault = `${sandboxBaseUrl}/alqaseh/v1`;
  const alqasehBase = readUrl(env, 'ALQASEH_BASE_URL', alqasehDefault, problems)!;
  const alqasehSandbox = alqasehBase === alqasehDefault;
  const alqasehPayBase = readUrl(env, 'ALQASEH_PAY_BASE_URL', `${sandboxBaseUrl}/alqaseh`, problems)!;

  const mocasaClientSecret = credential('MOCASA_CLIENT_SECRET', mocasaSandbox, SANDBOX_CREDENTIALS.mocasa.clientSecret, 'MOCASA_BASE_URL');
  const alqasehClientSecret = credential('ALQASEH_CLIENT_SECRET', alqasehSandbox, SANDBOX_CREDENTIALS.alqaseh.clientSecret, 'ALQASEH_BASE_URL');
  const mispayIps = env.MISPAY_WEBHOOK_ALLOWED_IPS !== undefined ? readList(env, 'MISPAY_WEBHOOK_ALLOWED_IPS') : mispaySandbox ? [] : MISPAY_PRODUCTION_WEBHOOK_IPS;

  return {
    jibit: {
      baseUrl: jibitBase,
      apiKey: credential('JIBIT_API_KEY', jibitSandbox, SANDBOX_CREDENTIALS.jibit.apiKey, 'JIBIT_BASE_URL'),
      secretKey: credential('JIBIT_SECRET_KEY', jibitSandbox, SANDBOX_CREDENTIALS.jibit.secretKey, 'JIBIT_BASE_URL'),
      verifyBeforeDeadline: readBool(env, 'JIBIT_VERIFY_BEFORE_DEADLINE', true, problems),
      amountMin: BigInt(readInt(env, 'JIBIT_AMOUNT_MIN', 100, problems, 1)),
      isSandbox: jibitSandbox,
    },
    atipay: {
      baseUrl: atipayBase,
      apiKey: credential('ATIPAY_API_KEY', atipaySandbox, SANDBOX_CREDENTIALS.atipay.apiKey, 'ATIPAY_BASE_URL'),
      // Empty means "do not compare the callback's terminal" (atipay.md §2), so it is not mandatory.
      terminalId: env.ATIPAY_TERMINAL_ID ?? (atipaySandbox ? SANDBOX_CREDENTIALS.atipay.terminalId : ''),
      abandonAfterMinutes: readInt(env, 'ATIPAY_ABANDON_AFTER_MINUTES', 40, problems, 1),
      isSandbox: atipaySandbox,
    },
    mispay: {
      baseUrl: mispayBase,
      appId: credential('MISPAY_APP_ID', mispaySandbox, SANDBOX_CREDENTIALS.mispay.appId, 'MISPAY_BASE_URL'),
      appSecret: credential('MISPAY_APP_SECRET', mispaySandbox, SANDBOX_CREDENTIALS.mispay.appSecret, 'MISPAY_BASE_URL'),
      sendCallbackUri: readBool(env, 'MISPAY_SEND_CALLBACK_URI', false, problems),
      webhookAllowedIps: mispayIps,
      updateOrderIdPath: env.MISPAY_UPDATE_ORDER_ID_PATH || '/checkout/{checkoutId}/order-id',
      isSandbox: mispaySandbox,
    },
    mocasa: {
      baseUrl: mocasaBase,
      clientKey: credential('MOCASA_CLIENT_KEY', mocasaSandbox, SANDBOX_CREDENTIALS.mocasa.clientKey, 'MOCASA_BASE_URL'),
      clientSecret: mocasaClientSecret,
      webhookSecret: env.MOCASA_WEBHOOK_SECRET || mocasaClientSecret,
      authCodes: env.MOCASA_AUTH_CODES !== undefined ? readList(env, 'MOCASA_AUTH_CODES') : ['401', '403'],
      orderNotFoundCodes: env.MOCASA_ORDER_NOT_FOUND_CODES !== undefined ? readList(env, 'MOCASA_ORDER_NOT_FOUND_CODES') : ['ORDER_NOT_FOUND'],
      transferNotFoundCodes:
        env.MOCASA_TRANSFER_NOT_FOUND_CODES !== undefined ? readList(env, 'MOCASA_TRANSFER_NOT_FOUND_CODES') : ['TRANSFER_NOT_FOUND'],
      isSandbox: mocasaSandbox,
    },
    alqaseh: {
      baseUrl: alqasehBase,
      payBaseUrl: alqasehPayBase,
      clientId: credential('ALQASEH_CLIENT_ID', alqasehSandbox, SANDBOX_CREDENTIALS.alqaseh.clientId, 'ALQASEH_BASE_URL'),
      clientSecret: alqasehClientSecret,
      // The sandbox signs with its client secret; a real Al Qaseh has no known recipe, so no default there.
      webhookSecret: env.ALQASEH_WEBHOOK_SECRET || (alqasehSandbox ? alqasehClientSecret : undefined),
      tokenExpiryHours: readInt(env, 'ALQASEH_TOKEN_EXPIRY_HOURS', 1, problems, 1, 24 * 30),
      isSandbox: alqasehSandbox,
    },
  };
}
