import type { ZoomWsClientOptions } from '../client/options.js';
import { integerFlag, parseArgs, type ParsedArgs } from './args.js';
import { UsageError } from './usage-error.js';

/** `listen` flags (milliseconds) and the client option each sets. */
const TIMING_FLAGS = {
  'heartbeat-interval': 'heartbeatInterval',
  'heartbeat-timeout': 'heartbeatTimeout',
  'backoff-initial': 'backoffInitial',
  'backoff-max': 'backoffMax',
  'refresh-margin': 'refreshMargin',
  'connect-timeout': 'connectTimeout',
} as const satisfies Record<string, keyof ZoomWsClientOptions>;

/** Flags for running in production: proxy, health server, drain on SIGTERM (see {@link serviceFlagsFrom}). */
export const SERVICE_FLAGS = ['proxy', 'health-port', 'health-host', 'drain-timeout'];
export const LISTEN_FLAGS = [...Object.keys(TIMING_FLAGS), 'max-attempts', ...SERVICE_FLAGS];

/** How long SIGTERM/SIGINT wait for running handlers unless `--drain-timeout` says otherwise. */
export const DEFAULT_CLI_DRAIN_TIMEOUT = 10_000;

/** `--health-port`, `--health-host`, `--drain-timeout`: what the command does around its client. */
export interface ServiceFlags {
  healthPort?: number;
  healthHost?: string;
  drainTimeout: number;
}

export function serviceFlagsFrom(args: ParsedArgs): ServiceFlags {
  const flags: ServiceFlags = { drainTimeout: integerFlag(args, 'drain-timeout') ?? DEFAULT_CLI_DRAIN_TIMEOUT };
  const healthPort = integerFlag(args, 'health-port', { max: 65_535, unit: 'port' });
  if (healthPort !== undefined) flags.healthPort = healthPort;
  const healthHost = args.flags.get('health-host');
  if (healthHost !== undefined) {
    if (healthHost.trim() === '') throw new UsageError('--health-host must be a host name or address');
    if (healthPort === undefined) throw new UsageError('--health-host needs --health-port');
    flags.healthHost = healthHost;
  }
  return flags;
}

/** `--proxy URL`, or `--proxy none` to ignore HTTPS_PROXY/HTTP_PROXY. */
export function proxyFlagOf(args: ParsedArgs): string | false | undefined {
  const value = args.flags.get('proxy');
  if (value === undefined) return undefined;
  return value === 'none' || value === 'false' ? false : value;
}
export const LISTEN_SWITCHES = ['verbose', 'allow-insecure'];

/** Environment variables and the option each sets, so a bad value can be reported by the name the user typed. */
export const ENV_OF_OPTION: Partial<Record<keyof ZoomWsClientOptions, string>> = {
  accountId: 'ZOOM_ACCOUNT_ID',
  clientId: 'ZOOM_CLIENT_ID',
  clientSecret: 'ZOOM_CLIENT_SECRET',
  subscriptionId: 'ZOOM_SUBSCRIPTION_ID',
  oauthUrl: 'ZOOM_OAUTH_URL',
  wsUrl: 'ZOOM_WS_URL',
  grantType: 'ZOOM_GRANT_TYPE',
};
export const FLAG_OF_OPTION: Partial<Record<keyof ZoomWsClientOptions, string>> = {
  ...Object.fromEntries(Object.entries(TIMING_FLAGS).map(([flag, option]) => [option, `--${flag}`])),
  maxAttempts: '--max-attempts',
  proxy: '--proxy',
  allowInsecureEndpoints: '--allow-insecure',
};

const REQUIRED_ENV = ['ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_SUBSCRIPTION_ID'] as const;

/** True when the environment names real Zoom credentials (any of them: a partial set is an error, not a demo). */
export function hasCredentials(env: NodeJS.ProcessEnv): boolean {
  return REQUIRED_ENV.some((name) => env[name] !== undefined && env[name] !== '');
}

export function parseListenArgs(argv: readonly string[]): ParsedArgs {
  const args = parseArgs(argv, LISTEN_FLAGS, LISTEN_SWITCHES);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  return args;
}

/** Client options from `ZOOM_*` environment variables and `listen` flags. */
export function listenOptionsFrom(env: NodeJS.ProcessEnv, args: ParsedArgs): ZoomWsClientOptions {
  const grantType = env.ZOOM_GRANT_TYPE || 'account_credentials';
  if (grantType !== 'account_credentials' && grantType !== 'client_credentials') {
    throw new UsageError(`ZOOM_GRANT_TYPE must be account_credentials or client_credentials, got "${grantType}"`);
  }
  for (const name of REQUIRED_ENV) {
    if (name === 'ZOOM_ACCOUNT_ID' && grantType === 'client_credentials') continue;
    if (!env[name]) throw new UsageError(`missing environment variable ${name}`);
  }
  const options: ZoomWsClientOptions = {
    clientId: env.ZOOM_CLIENT_ID!,
    clientSecret: env.ZOOM_CLIENT_SECRET!,
    subscriptionId: env.ZOOM_SUBSCRIPTION_ID!,
    grantType,
  };
  if (env.ZOOM_ACCOUNT_ID) options.accountId = env.ZOOM_ACCOUNT_ID;
  if (env.ZOOM_OAUTH_URL) options.oauthUrl = env.ZOOM_OAUTH_URL;
  if (env.ZOOM_WS_URL) options.wsUrl = env.ZOOM_WS_URL;
  for (const [flag, option] of Object.entries(TIMING_FLAGS)) {
    const value = integerFlag(args, flag);
    if (value !== undefined) options[option] = value;
  }
  const maxAttempts = integerFlag(args, 'max-attempts', { min: 1, unit: 'attempts' });
  if (maxAttempts !== undefined) options.maxAttempts = maxAttempts;
  if (args.switches.has('allow-insecure')) options.allowInsecureEndpoints = true;
  const proxy = proxyFlagOf(args);
  if (proxy !== undefined) options.proxy = proxy;
  return options;
}
