import type { AppConfig } from '@payledger/config';
import { SANDBOX_CREDENTIALS } from '@payledger/config';
import { createSandbox, Sandbox } from './core';
import { SIMULATORS } from './simulators';

/** The sandbox as `npm start` and `npm run start:sandbox` run it: wall-clock time, every simulator. */
export function createConfiguredSandbox(config: AppConfig): Sandbox {
  const sandbox = createSandbox({
    sandboxBaseUrl: config.sandboxBaseUrl,
    merchantBaseUrl: config.publicBaseUrl,
    simulators: SIMULATORS,
    credentials: Object.fromEntries(Object.entries(SANDBOX_CREDENTIALS).map(([g, c]) => [g, { ...c }])),
    seed: config.sandbox.seed,
  });
  sandbox.clock.startTicking();
  return sandbox;
}

export function describeSandbox(config: AppConfig, sandbox: Sandbox): string[] {
  const lines = [`sandbox on ${config.sandboxBaseUrl} (state in memory; controls at ${config.sandboxBaseUrl}/_sandbox)`];
  for (const gateway of Object.keys(sandbox.simulators)) {
    const credentials = sandbox.contexts[gateway as keyof typeof sandbox.contexts]?.credentials ?? {};
    lines.push(`  ${gateway.padEnd(8)} ${config.sandboxBaseUrl}/${gateway}  credentials: ${Object.entries(credentials).map(([k, v]) => `${k}=${v}`).join(' ')}`);
  }
  return lines;
}
