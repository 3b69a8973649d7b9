import { ConfigError } from './config.schema';
import { loadConfig } from './app.config';

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig(env, '/srv/payledger');
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
}

describe('loadConfig', () => {
  it('works with no configuration at all: embedded PostgreSQL and every gateway on the sandbox', () => {
    const config = loadConfig({}, '/srv/payledger');
    expect(config.port).toBe(3000);
    expect(config.database.url).toBeUndefined();
    expect(config.database.embeddedDataDir).toBe('/srv/payledger/.data/postgres');
    expect(config.publicBaseUrl).toBe('http://localhost:3000');
    expect(config.gateways.jibit.baseUrl).toBe('http://localhost:3100/jibit/ppg/v2');
    expect(config.gateways.jibit.apiKey).toBe('sandbox-jibit-api-key');
    expect(config.gateways.mispay.webhookAllowedIps).toEqual([]);
    expect(config.gateways.alqaseh.webhookSecret).toBe(config.gateways.alqaseh.clientSecret);
    expect(config.kafka.brokers).toEqual([]);
  });

  it('follows SANDBOX_PORT in every gateway default', () => {
    const config = loadConfig({ SANDBOX_PORT: '4100' });
    expect(config.gateways.mocasa.baseUrl).toBe('http://localhost:4100/mocasa');
    expect(config.gateways.alqaseh.payBaseUrl).toBe('http://localhost:4100/alqaseh');
  });

  it('names the variable of every bad value', () => {
    const problems = problemsOf({ PORT: 'eighty', DATABASE_URL: 'mysql://x', KAFKA_BROKERS: 'nohost', LOG_LEVEL: 'loud' });
    expect(problems.join('\n')).toMatch(/PORT must be an integer/);
    expect(problems.join('\n')).toMatch(/DATABASE_URL must be a postgres/);
    expect(problems.join('\n')).toMatch(/KAFKA_BROKERS entries must be host:port/);
    expect(problems.join('\n')).toMatch(/LOG_LEVEL must be one of/);
  });

  it('requires real credentials once a gateway points away from the sandbox, and drops sandbox-only defaults', () => {
    const problems = problemsOf({ JIBIT_BASE_URL: 'https://api.jibit.ir/ppg/v2' });
    expect(problems).toEqual([
      'JIBIT_API_KEY is required because JIBIT_BASE_URL points at a real gateway, not the built-in sandbox',
      'JIBIT_SECRET_KEY is required because JIBIT_BASE_URL points at a real gateway, not the built-in sandbox',
    ]);
    const live = loadConfig({
      ALQASEH_BASE_URL: 'https://api.alqaseh.com/v1',
      ALQASEH_CLIENT_ID: 'live-id',
      ALQASEH_CLIENT_SECRET: 'live-secret',
      MISPAY_BASE_URL: 'https://api.mispay.co/v1/api',
      MISPAY_APP_ID: 'app',
      MISPAY_APP_SECRET: 'secret',
    });
    expect(live.gateways.alqaseh.webhookSecret).toBeUndefined();
    expect(live.gateways.mispay.webhookAllowedIps).toEqual(['34.166.80.250']);
  });

  it('parses API keys by role and refuses unknown roles and short keys', () => {
    const config = loadConfig({ API_KEYS: 'merchant:mk_0123456789abcdef,ops:ok_0123456789abcdef' });
    expect(config.apiKeys).toEqual([
      { role: 'merchant', key: 'mk_0123456789abcdef' },
      { role: 'ops', key: 'ok_0123456789abcdef' },
    ]);
    expect(problemsOf({ API_KEYS: 'root:0123456789abcdefgh' })[0]).toMatch(/role one of merchant, finance, ops/);
    expect(problemsOf({ API_KEYS: 'finance:short' })[0]).toMatch(/at least 16 characters/);
  });
});
