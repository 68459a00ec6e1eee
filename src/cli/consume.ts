import { ZoomWsConsumer } from '../cluster/consumer.js';
import type { ZoomWsConsumerOptions } from '../cluster/consumer-options.js';
import { ZoomWsConfigError } from '../errors.js';
import { integerFlag, parseArgs } from './args.js';
import { startCliHealthServer, type HealthServer } from './health-server.js';
import { serviceFlagsFrom, type ServiceFlags } from './listen-options.js';
import { createStderrLogger } from './stderr-logger.js';
import { UsageError } from './usage-error.js';

export const CONSUME_FLAGS = ['group', 'consumer', 'claim-idle', 'max-deliveries', 'dead-letter-retention', 'redis', 'key-prefix', 'health-port', 'health-host'];
export const CONSUME_SWITCHES = ['from-now', 'verbose'];

const SOURCE_OF_OPTION: Record<string, string> = {
  redis: '--redis / ZOOM_WS_REDIS_URL',
  subscriptionId: 'ZOOM_SUBSCRIPTION_ID',
  group: '--group',
  consumer: '--consumer',
  claimIdle: '--claim-idle',
  maxDeliveries: '--max-deliveries',
  deadLetterRetention: '--dead-letter-retention',
  keyPrefix: '--key-prefix',
};

/** Consumer options from `ZOOM_SUBSCRIPTION_ID`, `ZOOM_WS_REDIS_URL` and the flags; no Zoom credentials needed. */
export function consumeOptionsFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): { options: ZoomWsConsumerOptions; verbose: boolean; service: ServiceFlags } {
  const args = parseArgs(argv, CONSUME_FLAGS, CONSUME_SWITCHES);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const group = args.flags.get('group');
  if (!group) throw new UsageError('missing --group G');
  const redis = args.flags.get('redis') ?? env.ZOOM_WS_REDIS_URL;
  if (!redis) throw new UsageError('missing Redis: set ZOOM_WS_REDIS_URL or pass --redis URL');
  const subscriptionId = env.ZOOM_SUBSCRIPTION_ID;
  if (!subscriptionId) throw new UsageError('missing environment variable ZOOM_SUBSCRIPTION_ID');
  const options: ZoomWsConsumerOptions = { redis, subscriptionId, group, fromNow: args.switches.has('from-now') };
  const consumer = args.flags.get('consumer');
  if (consumer !== undefined) options.consumer = consumer;
  const keyPrefix = args.flags.get('key-prefix');
  if (keyPrefix !== undefined) options.keyPrefix = keyPrefix;
  const claimIdle = integerFlag(args, 'claim-idle', { min: 1 });
  if (claimIdle !== undefined) options.claimIdle = claimIdle;
  const maxDeliveries = integerFlag(args, 'max-deliveries', { min: 1, unit: 'deliveries' });
  if (maxDeliveries !== undefined) options.maxDeliveries = maxDeliveries;
  const deadLetterRetention = integerFlag(args, 'dead-letter-retention', { min: 1, max: Number.MAX_SAFE_INTEGER });
  if (deadLetterRetention !== undefined) options.deadLetterRetention = deadLetterRetention;
  return { options, verbose: args.switches.has('verbose'), service: serviceFlagsFrom(args) };
}

/**
 * `zoom-ws consume`: one consumer of a group. stdout: one line per delivered event (the inner event exactly as
 * stored), acknowledged once the line is written; stderr: recorded outages and warnings. SIGINT/SIGTERM: finish
 * the current line, exit 0.
 */
export async function runConsume(argv: readonly string[]): Promise<number> {
  const { options, verbose, service } = consumeOptionsFrom(process.env, argv);
  const logger = createStderrLogger({ verbose });
  let consumer: ZoomWsConsumer;
  try {
    consumer = new ZoomWsConsumer({ ...options, logger });
  } catch (error) {
    if (error instanceof ZoomWsConfigError) {
      const source = SOURCE_OF_OPTION[error.field];
      throw new UsageError(source ? error.message.replace(`option "${error.field}"`, source) : error.message);
    }
    throw error;
  }
  consumer.on('*', (_event, meta) => new Promise<void>((resolve, reject) => {
    process.stdout.write(`${meta.raw}\n`, (error) => (error ? reject(error) : resolve()));
  }));
  consumer.onOutage((outage) => {
    logger.warn(`outage ${outage.reason}: ${new Date(outage.from).toISOString()} – ${new Date(outage.to).toISOString()} (${outage.to - outage.from} ms)${outage.detail ? `: ${outage.detail}` : ''}`);
  });
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: finishing the current event`);
    void consumer.stop().then(finish);
  };
  const onStdoutError = () => void consumer.stop().then(finish);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  let healthServer: HealthServer | undefined;
  if (service.healthPort !== undefined) {
    const at = service.healthHost === undefined ? { port: service.healthPort } : { port: service.healthPort, host: service.healthHost };
    const health = () => ({ live: consumer.state !== 'stopped', ready: consumer.state === 'running', state: consumer.state });
    healthServer = await startCliHealthServer({ health }, at, (metrics, registry) => metrics.collectClusterMetrics(consumer as unknown as import('../metrics/index.js').ClusterMetricsSource, { registry }));
    logger.info(`health server on http://${healthServer.host}:${healthServer.port} (/livez /readyz /metrics)`);
  }
  try {
    await consumer.start();
    logger.info(`consuming ${consumer.keys.events} as ${options.group}/${consumer.options.consumer}`);
    await finished;
    return 0;
  } catch (error) {
    if (consumer.state === 'stopped' || consumer.state === 'stopping') {
      await finished;
      return 0;
    }
    process.stderr.write(`zoom-ws: ${error instanceof Error ? error.message : String(error)}\n`);
    await consumer.stop();
    return 1;
  } finally {
    await healthServer?.close();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
}
