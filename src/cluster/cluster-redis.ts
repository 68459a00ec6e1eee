import { createClient } from 'redis';
import type { Logger } from '../client/logger.js';
import type { RedisClientLike } from './cluster-options.js';
import type { RedisCommandSender } from './script-runner.js';

/** The replica's Redis side: the lease connection and a subscriber for wake-ups. */
export interface ClusterRedis {
  client: RedisCommandSender;
  /** Quits what zoom-ws opened (never the user's own client). */
  release(): Promise<void>;
}

export interface ClusterRedisOptions {
  commandTimeout: number;
  log: Logger;
  wakeChannel: string;
  onWake: () => void;
}

/** Reconnect quickly (Redis restarts are short), but never in a hot loop. */
const reconnectDelay = (retries: number) => Math.min(1_000, 50 * 2 ** Math.min(retries, 5));

// node-redis client generics differ per createClient call; only connect/close/subscribe are used here.
type AnyClient = ReturnType<typeof createClient> & { [key: string]: any };

/**
 * Opens the lease connection from a URL (zoom-ws owns it) or adopts the user's connected client, plus a
 * subscriber connection of our own for the release wake-ups (a hint only: standbys also poll). Connecting
 * happens in the background: with Redis unreachable every command fails after `commandTimeout` and the
 * replica keeps retrying, never connecting to Zoom.
 */
export async function openClusterRedis(redis: string | RedisClientLike, options: ClusterRedisOptions): Promise<ClusterRedis> {
  const owned: AnyClient[] = [];
  let lease: RedisCommandSender;
  let subscriber: AnyClient;
  if (typeof redis === 'string') {
    const client = createClient({
      url: redis,
      commandOptions: { timeout: options.commandTimeout },
      socket: { connectTimeout: Math.max(options.commandTimeout, 500), reconnectStrategy: reconnectDelay },
    });
    owned.push(client as AnyClient);
    lease = client;
    subscriber = <AnyClient>createClient({ url: redis, socket: { connectTimeout: Math.max(options.commandTimeout, 500), reconnectStrategy: reconnectDelay } });
  } else {
    lease = redis;
    subscriber = (redis as unknown as AnyClient).duplicate();
  }
  owned.push(subscriber);
  let lastError = '';
  for (const client of owned) {
    client.on('error', (error: Error) => {
      // node-redis reports every failed reconnect: say it once per distinct problem.
      if (error.message === lastError) return;
      lastError = error.message;
      options.log.warn(`Redis: ${error.message}`);
    });
    client.on('ready', () => (lastError = ''));
    client.connect().catch(() => {});
  }
  subscriber.subscribe(options.wakeChannel, () => options.onWake()).catch(() => {});
  return {
    client: lease,
    async release() {
      await Promise.all(owned.map(async (client) => {
        try {
          if (client.isOpen) await client.close();
          else client.destroy();
        } catch {
          client.destroy();
        }
      }));
    },
  };
}
