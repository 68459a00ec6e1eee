import type { Logger } from '../client/logger.js';
import type { RedisClientLike } from './cluster-options.js';
import { RedisConnection, type RedisClient } from './redis-connection.js';
import type { RedisCommandSender } from './script-runner.js';

/** The replica's Redis side: the lease connection and a subscriber for wake-ups. */
export interface ClusterRedis {
  client: RedisCommandSender;
  /** Closes what zoom-ws opened (never the user's own client). */
  release(): Promise<void>;
}

export interface ClusterRedisOptions {
  commandTimeout: number;
  log: Logger;
  wakeChannel: string;
  onWake: () => void;
}

/**
 * Opens the lease connection from a URL (zoom-ws owns it) or adopts the user's connected client, plus a
 * subscriber connection of our own for the release wake-ups (a hint only: standbys also poll). Connecting
 * happens in the background: with Redis unreachable every lease call fails after `commandTimeout` and the
 * replica keeps retrying, never connecting to Zoom.
 */
export async function openClusterRedis(redis: string | RedisClientLike, options: ClusterRedisOptions): Promise<ClusterRedis> {
  const lease = RedisConnection.create({ redis: redis as string | RedisClient, commandTimeout: options.commandTimeout, logger: options.log, name: 'lease' });
  // Connects (retrying with backoff) in the background; an adopted client is connected already.
  if (lease.owned) lease.connect().catch(() => {});
  // The subscriber is a connection of our own (a subscribed connection can send nothing else), connected and
  // reconnected in the background: a replica never waits for it, and `release()` ends it even mid-connect.
  const wake = RedisConnection.create({ redis: subscriberClient(redis, lease), logger: options.log, name: 'wake-up' });
  void (async () => {
    await wake.client.connect();
    await wake.client.subscribe(options.wakeChannel, () => options.onWake());
  })().catch(() => {});
  return {
    client: { sendCommand: (args) => lease.send(args) },
    async release() {
      await lease.release();
      // Owned by us whatever `redis` was: destroy it (also while it is still trying to connect).
      try {
        wake.client.destroy();
      } catch {
        // Never opened: nothing to close.
      }
      await wake.release();
    },
  };
}

/** A URL opens a fresh client; a user's client is duplicated (same server, same options), still unconnected. */
function subscriberClient(redis: string | RedisClientLike, lease: RedisConnection): string | RedisClient {
  return typeof redis === 'string' ? redis : (lease.client.duplicate() as RedisClient);
}
