import type { ZoomWsClusterOptions } from '../cluster/cluster-options.js';
import { ZoomWsCluster } from '../cluster/cluster.js';
import { ZoomWsConfigError } from '../errors.js';
import { integerFlag, parseArgs } from './args.js';
import { clusterHealthSource } from './cluster-health.js';
import { startCliHealthServer, type HealthServer } from './health-server.js';
import { ENV_OF_OPTION, FLAG_OF_OPTION, LISTEN_FLAGS, LISTEN_SWITCHES, listenOptionsFrom, serviceFlagsFrom, type ServiceFlags } from './listen-options.js';
import { createStderrLogger } from './stderr-logger.js';
import { UsageError } from './usage-error.js';

/** `relay` flags beyond the `listen` ones (milliseconds) and the option each sets. */
const LEASE_FLAGS = {
  'lease-ttl': 'leaseTtl',
  'renew-interval': 'renewInterval',
  'renew-deadline': 'renewDeadline',
  'acquire-interval': 'acquireInterval',
} as const satisfies Record<string, keyof ZoomWsClusterOptions>;

export const RELAY_FLAGS = [...LISTEN_FLAGS, ...Object.keys(LEASE_FLAGS), 'redis', 'replica-id', 'key-prefix'];

const SOURCE_OF_OPTION: Record<string, string> = {
  ...ENV_OF_OPTION,
  ...FLAG_OF_OPTION,
  ...Object.fromEntries(Object.entries(LEASE_FLAGS).map(([flag, option]) => [option, `--${flag}`])),
  redis: '--redis / ZOOM_WS_REDIS_URL',
  replicaId: '--replica-id',
  keyPrefix: '--key-prefix',
};

/** Cluster options from the `listen` environment and flags plus `ZOOM_WS_REDIS_URL` and the lease flags. */
export function relayOptionsFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): { options: ZoomWsClusterOptions; verbose: boolean; service: ServiceFlags } {
  const args = parseArgs(argv, RELAY_FLAGS, LISTEN_SWITCHES);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const redis = args.flags.get('redis') ?? env.ZOOM_WS_REDIS_URL;
  if (!redis) throw new UsageError('missing Redis: set ZOOM_WS_REDIS_URL or pass --redis URL');
  const options: ZoomWsClusterOptions = { ...listenOptionsFrom(env, args), redis };
  for (const [flag, option] of Object.entries(LEASE_FLAGS)) {
    const value = integerFlag(args, flag, { min: 1 });
    if (value !== undefined) options[option] = value;
  }
  const replicaId = args.flags.get('replica-id');
  if (replicaId !== undefined) options.replicaId = replicaId;
  const keyPrefix = args.flags.get('key-prefix');
  if (keyPrefix !== undefined) options.keyPrefix = keyPrefix;
  return { options, verbose: args.switches.has('verbose'), service: serviceFlagsFrom(args) };
}

/**
 * `zoom-ws relay`: one replica. stdout: one JSON line per event this replica published to the stream, nothing
 * else; stderr: transitions, role changes, outages. SIGINT/SIGTERM: hand over (close 1000, release), exit 0.
 */
export async function runRelay(argv: readonly string[]): Promise<number> {
  const { options, verbose, service } = relayOptionsFrom(process.env, argv);
  const logger = createStderrLogger({ verbose });
  let replica: ZoomWsCluster;
  try {
    replica = new ZoomWsCluster({ ...options, logger });
  } catch (error) {
    if (error instanceof ZoomWsConfigError) {
      const source = SOURCE_OF_OPTION[error.field];
      throw new UsageError(source ? error.message.replace(`option "${error.field}"`, source) : error.message);
    }
    throw error;
  }
  replica.onPublished((event) => {
    process.stdout.write(`${JSON.stringify(event)}\n`);
  });
  const onStdoutError = () => void replica.stop();
  process.stdout.on('error', onStdoutError);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: handing over`);
    void replica.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let healthServer: HealthServer | undefined;
  if (service.healthPort !== undefined) {
    const at = service.healthHost === undefined ? { port: service.healthPort } : { port: service.healthPort, host: service.healthHost };
    healthServer = await startCliHealthServer(clusterHealthSource(replica), at, (metrics, registry) => metrics.collectClusterMetrics(replica, { registry }));
    logger.info(`health server on http://${healthServer.host}:${healthServer.port} (/livez /readyz /leader /metrics)`);
  }
  let exitCode = 0;
  try {
    await replica.start();
    await replica.finished;
  } catch (error) {
    exitCode = 1;
    process.stderr.write(`zoom-ws: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  await replica.stop();
  await healthServer?.close();
  if (replica.state === 'failed') exitCode = 1;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.off('error', onStdoutError);
  return exitCode;
}
