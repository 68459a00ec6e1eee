import { ZoomWsClient } from '../client/client.js';
import { cleanLogText } from '../client/logger.js';
import type { ZoomWsClientOptions } from '../client/options.js';
import type { Logger } from '../client/logger.js';
import type { ZoomWsConsumerOptions } from '../cluster/consumer-options.js';
import { ClientStoppedError, ZoomWsConfigError } from '../errors.js';
import { forwardingHandler } from '../forward/consumer-handler.js';
import { createForwarder, type Forwarder, type ForwarderOptions } from '../forward/forwarder.js';
import { integerFlag, parseArgs } from './args.js';
import { LISTEN_FLAGS, LISTEN_SWITCHES, listenOptionsFrom } from './listen-options.js';
import { createStderrLogger } from './stderr-logger.js';
import { UsageError } from './usage-error.js';

// The health server and drain flags belong to `listen`'s handlers; the forwarder's leftovers are reported instead.
const NOT_FORWARD_FLAGS = new Set(['health-port', 'health-host', 'drain-timeout']);
export const FORWARD_FLAGS = [...LISTEN_FLAGS.filter((flag) => !NOT_FORWARD_FLAGS.has(flag)), 'to', 'secret-token', 'concurrency', 'max-queue', 'events', 'exclude', 'redis', 'group', 'consumer', 'claim-idle', 'max-deliveries', 'dead-letter-retention', 'key-prefix'];

const SOURCE_OF_OPTION: Record<string, string> = {
  to: '--to',
  secretToken: '--secret-token / ZOOM_WEBHOOK_SECRET_TOKEN',
  concurrency: '--concurrency',
  maxQueue: '--max-queue',
};

export interface ForwardSettings {
  /** Single-process mode: the `listen` client. */
  client?: ZoomWsClientOptions;
  /** Cluster mode (`--redis`/`--group`): a consumer of the relays' stream; no Zoom credentials. */
  consumer?: ZoomWsConsumerOptions;
  forward: Omit<ForwarderOptions, 'logger' | 'onStatus'>;
  verbose: boolean;
}

/** Client options from the `listen` environment and flags; forwarder options from `--to`, `--secret-token`… */
export function forwardSettingsFrom(env: NodeJS.ProcessEnv, argv: readonly string[]): ForwardSettings {
  const args = parseArgs(argv, FORWARD_FLAGS, LISTEN_SWITCHES);
  if (args.positionals.length > 0) throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  const to = args.flags.get('to');
  if (!to) throw new UsageError('missing --to URL (the webhook handler to deliver to)');
  const secretToken = args.flags.get('secret-token') ?? env.ZOOM_WEBHOOK_SECRET_TOKEN;
  if (!secretToken) throw new UsageError('missing webhook secret token: set ZOOM_WEBHOOK_SECRET_TOKEN or pass --secret-token T');
  const forward: ForwardSettings['forward'] = { to, secretToken, events: listFlag(args.flags.get('events')), exclude: listFlag(args.flags.get('exclude')) };
  const concurrency = integerFlag(args, 'concurrency', { min: 1, unit: 'deliveries' });
  if (concurrency !== undefined) forward.concurrency = concurrency;
  const maxQueue = integerFlag(args, 'max-queue', { unit: 'events' });
  if (maxQueue !== undefined) forward.maxQueue = maxQueue;
  const verbose = args.switches.has('verbose');
  const group = args.flags.get('group');
  if (group === undefined) {
    for (const flag of ['redis', 'consumer', 'claim-idle', 'max-deliveries', 'dead-letter-retention', 'key-prefix']) if (args.flags.has(flag)) throw new UsageError(`--${flag} needs --group G (cluster mode)`);
    return { client: listenOptionsFrom(env, args), forward, verbose };
  }
  const redis = args.flags.get('redis') ?? env.ZOOM_WS_REDIS_URL;
  if (!redis) throw new UsageError('missing Redis: set ZOOM_WS_REDIS_URL or pass --redis URL');
  const subscriptionId = env.ZOOM_SUBSCRIPTION_ID;
  if (!subscriptionId) throw new UsageError('missing environment variable ZOOM_SUBSCRIPTION_ID');
  const consumer: ZoomWsConsumerOptions = { redis, subscriptionId, group };
  // The consumer's handlers are what put deliveries in flight: the forwarder's own limit alone would see one at a time.
  if (forward.concurrency !== undefined) consumer.concurrency = forward.concurrency;
  const name = args.flags.get('consumer');
  if (name !== undefined) consumer.consumer = name;
  const keyPrefix = args.flags.get('key-prefix');
  if (keyPrefix !== undefined) consumer.keyPrefix = keyPrefix;
  const claimIdle = integerFlag(args, 'claim-idle', { min: 1 });
  if (claimIdle !== undefined) consumer.claimIdle = claimIdle;
  const maxDeliveries = integerFlag(args, 'max-deliveries', { min: 1, unit: 'deliveries' });
  if (maxDeliveries !== undefined) consumer.maxDeliveries = maxDeliveries;
  const deadLetterRetention = integerFlag(args, 'dead-letter-retention', { min: 1, max: Number.MAX_SAFE_INTEGER });
  if (deadLetterRetention !== undefined) consumer.deadLetterRetention = deadLetterRetention;
  return { consumer, forward, verbose };
}

function listFlag(value: string | undefined): string[] {
  return value === undefined ? [] : value.split(',').map((name) => name.trim()).filter((name) => name !== '');
}

/**
 * `zoom-ws forward`: a client whose every event is POSTed to `--to` as Zoom would post the webhook. stdout: one
 * NDJSON status line per event (delivered, rejected, failed, overflow, or undelivered at stop). SIGINT/SIGTERM:
 * stop receiving, report what was not delivered, exit 0; 1 after a fatal client failure.
 */
export async function runForward(argv: readonly string[]): Promise<number> {
  const settings = forwardSettingsFrom(process.env, argv);
  const logger = createStderrLogger({ verbose: settings.verbose });
  let client: ZoomWsClient;
  let forwarder: Forwarder;
  try {
    forwarder = createForwarder({ ...settings.forward, logger, onStatus: (status) => process.stdout.write(`${JSON.stringify(status)}\n`) });
    if (settings.consumer) return await runClusterForward(settings.consumer, forwarder, logger);
    client = new ZoomWsClient({ ...settings.client!, logger });
  } catch (error) {
    if (error instanceof ZoomWsConfigError) {
      const source = SOURCE_OF_OPTION[error.field];
      throw new UsageError(source ? error.message.replace(`option "${error.field}"`, source) : error.message);
    }
    throw error;
  }
  client.onRaw((raw, event) => void forwarder.push(raw, event.event));
  const onStdoutError = () => void client.stop();
  process.stdout.on('error', onStdoutError);
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: closing`);
    void client.stop();
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  let exitCode = 0;
  client.start().catch((error: unknown) => {
    if (error instanceof ClientStoppedError) return;
    exitCode = 1;
    process.stderr.write(`zoom-ws: ${cleanLogText(error instanceof Error ? error.message : String(error), [settings.client!.clientSecret, settings.forward.secretToken])}\n`);
  });
  await client.finished;
  const { undelivered } = await forwarder.stop();
  if (undelivered > 0) logger.warn(`${undelivered} event(s) were not delivered (status lines with "undelivered")`);
  await new Promise<void>((resolve) => setImmediate(resolve));
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  process.stdout.off('error', onStdoutError);
  return exitCode;
}

/**
 * Cluster mode: each stream entry is delivered before it is acknowledged (at least once; a crashed forwarder's
 * pending entries are claimed by another consumer of the group after `claimIdle`). A delivery that did not end
 * in a 2xx fails the handler, so the entry is redelivered and, after `maxDeliveries`, dead-lettered; a final 4xx
 * (`rejected`) is dead-lettered at once, without redelivery (see {@link forwardingHandler}).
 */
async function runClusterForward(options: ZoomWsConsumerOptions, forwarder: Forwarder, logger: Logger): Promise<number> {
  // Loaded here so that single-process forwarding never loads redis.
  const { ZoomWsConsumer } = await import('../cluster/consumer.js');
  const consumer = new ZoomWsConsumer({ ...options, logger });
  consumer.on('*', forwardingHandler(forwarder));
  let requestStop!: () => void;
  const stopRequested = new Promise<void>((resolve) => (requestStop = resolve));
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info(`${signal}: closing`);
    requestStop();
  };
  const onStdoutError = () => requestStop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  process.stdout.on('error', onStdoutError);
  try {
    await Promise.race([consumer.start(), stopRequested]);
    logger.info(`consuming ${consumer.keys.events} as ${consumer.options.group}/${consumer.options.consumer}`);
    await stopRequested;
  } finally {
    // The forwarder first: its in-flight deliveries end as undelivered, so their entries stay pending (redelivered).
    await forwarder.stop();
    await consumer.stop();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    process.stdout.off('error', onStdoutError);
  }
  return 0;
}
