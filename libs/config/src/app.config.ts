import * as path from 'node:path';
import { ConfigError, Env, readBool, readInt, readList, readUrl } from './config.schema';
import { GatewaysConfig, readGatewaysConfig } from './gateways.config';
import { JobsConfig, readJobsConfig } from './jobs.config';

export type ApiRole = 'merchant' | 'finance' | 'ops';
export const API_ROLES: readonly ApiRole[] = ['merchant', 'finance', 'ops'];

export interface ApiKeyConfig {
  role: ApiRole;
  key: string;
}

export interface DatabaseConfig {
  /** Set: use that server. Unset: run an embedded PostgreSQL under `embeddedDataDir`. */
  url: string | undefined;
  embeddedDataDir: string;
  embeddedPort: number;
  poolSizeMax: number;
}

export interface AppConfig {
  env: 'development' | 'production' | 'test';
  logLevel: 'debug' | 'info' | 'warn' | 'error';
  port: number;
  sandboxPort: number;
  host: string;
  dataDir: string;
  publicBaseUrl: string;
  sandboxBaseUrl: string;
  database: DatabaseConfig;
  kafka: { brokers: string[]; clientId: string; topicPartitions: number };
  /** Empty: `npm start` generates one key per role and prints them once. */
  apiKeys: ApiKeyConfig[];
  sandbox: { enabled: boolean; seed: string | undefined };
  gateways: GatewaysConfig;
  /** Scheduled jobs of the worker (README "Jobs"). */
  jobs: JobsConfig;
}

const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
const ENVIRONMENTS = ['development', 'production', 'test'] as const;

/** The only reader of process.env. Every problem is collected, so one run names them all. */
export function loadConfig(env: Env = process.env, cwd: string = process.cwd()): AppConfig {
  const problems: string[] = [];
  const port = readInt(env, 'PORT', 3000, problems, 0, 65535);
  const sandboxPort = readInt(env, 'SANDBOX_PORT', 3100, problems, 0, 65535);
  const host = env.HOST || '0.0.0.0';
  const dataDir = path.resolve(cwd, env.DATA_DIR || '.data');

  const logLevel = (env.LOG_LEVEL || 'info') as AppConfig['logLevel'];
  if (!LOG_LEVELS.includes(logLevel)) problems.push(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got ${JSON.stringify(env.LOG_LEVEL)}`);
  const nodeEnv = (env.NODE_ENV || 'development') as AppConfig['env'];
  if (!ENVIRONMENTS.includes(nodeEnv)) problems.push(`NODE_ENV must be one of ${ENVIRONMENTS.join(', ')}, got ${JSON.stringify(env.NODE_ENV)}`);

  const databaseUrl = env.DATABASE_URL || undefined;
  if (databaseUrl && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    problems.push('DATABASE_URL must be a postgres:// or postgresql:// URL');
  }

  const publicBaseUrl = readUrl(env, 'PUBLIC_BASE_URL', `http://localhost:${port}`, problems)!;
  const sandboxBaseUrl = readUrl(env, 'SANDBOX_BASE_URL', `http://localhost:${sandboxPort}`, problems)!;

  const apiKeys: ApiKeyConfig[] = [];
  for (const entry of readList(env, 'API_KEYS')) {
    const separator = entry.indexOf(':');
    const role = entry.slice(0, separator) as ApiRole;
    const key = entry.slice(separator + 1);
    if (separator < 1 || !API_ROLES.includes(role)) {
      problems.push(`API_KEYS entries must be role:key with role one of ${API_ROLES.join(', ')}; got an entry starting ${JSON.stringify(entry.slice(0, 12))}`);
    } else if (key.length < 16) {
      problems.push(`API_KEYS: the ${role} key must be at least 16 characters`);
    } else {
      apiKeys.push({ role, key });
    }
  }

  const brokers = readList(env, 'KAFKA_BROKERS');
  for (const broker of brokers) {
    if (!/^[^:\s]+:\d{1,5}$/.test(broker)) problems.push(`KAFKA_BROKERS entries must be host:port, got ${JSON.stringify(broker)}`);
  }

  const config: AppConfig = {
    env: nodeEnv,
    logLevel,
    port,
    sandboxPort,
    host,
    dataDir,
    publicBaseUrl,
    sandboxBaseUrl,
    database: {
      url: databaseUrl,
      embeddedDataDir: path.join(dataDir, 'postgres'),
      embeddedPort: readInt(env, 'EMBEDDED_POSTGRES_PORT', 5433, problems, 1, 65535),
      poolSizeMax: readInt(env, 'DATABASE_POOL_SIZE', 20, problems, 2, 500),
    },
    kafka: {
      brokers,
      clientId: env.KAFKA_CLIENT_ID || 'payledger',
      topicPartitions: readInt(env, 'KAFKA_TOPIC_PARTITIONS', 6, problems, 1, 1000),
    },
    apiKeys,
    sandbox: { enabled: readBool(env, 'SANDBOX_ENABLED', true, problems), seed: env.SANDBOX_SEED || undefined },
    gateways: readGatewaysConfig(env, sandboxBaseUrl, problems),
    jobs: readJobsConfig(env, problems),
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return config;
}
