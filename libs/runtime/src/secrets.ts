import type { AppConfig } from '@payledger/config';

/** Every configured credential value: the redactor removes each wherever it would appear in an event. */
export function configuredSecrets(config: AppConfig): string[] {
  const g = config.gateways;
  return [
    g.jibit.apiKey,
    g.jibit.secretKey,
    g.atipay.apiKey,
    g.mispay.appSecret,
    g.mocasa.clientSecret,
    g.mocasa.webhookSecret,
    g.alqaseh.clientSecret,
    g.alqaseh.webhookSecret,
    ...config.apiKeys.map((k) => k.key),
  ].filter((s): s is string => typeof s === 'string' && s.length > 0);
}
