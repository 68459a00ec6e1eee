import { hostname } from 'node:os';
import { ZoomWsConfigError } from '../errors.js';
import { resolveOptions, type ResolvedOptions, type ZoomWsClientOptions } from '../client/options.js';
import { DEFAULT_KEY_PREFIX } from './keys.js';
import { validateRedisUrl } from './redis-connection.js';

/** Cluster defaults, declared once. All durations in milliseconds. */
export const CLUSTER_DEFAULTS = {
  leaseTtl: 10_000,
  renewInterval: 2_000,
  renewDeadline: 6_000,
  acquireInterval: 1_000,
  keyPrefix: DEFAULT_KEY_PREFIX,
  retention: 24 * 3600_000,
  /** Per-command timeout of the lease connection, when zoom-ws opens it: below `renewInterval`. */
  commandTimeoutShare: 0.5,
  /** "More than 2 displacements in 5 minutes" means a foreign consumer. */
  foreignWindow: 5 * 60_000,
  foreignThreshold: 2,
} as const;

/** A connected node-redis client (v5+), or anything with the same `sendCommand`/`duplicate`. */
export interface RedisClientLike {
  sendCommand(args: string[]): Promise<unknown>;
  duplicate(...args: never[]): unknown;
}

/** Options of {@link ZoomWsCluster}: every {@link ZoomWsClientOptions} plus the lease. */
export interface ZoomWsClusterOptions extends ZoomWsClientOptions {
  /**
   * Redis ≥ 7: a `redis://` / `rediss://` URL (zoom-ws opens and closes its own connections, with a command
   * timeout below `renewInterval`), or your own connected node-redis client (set a command timeout on it
   * below `renewInterval`; zoom-ws never closes it). Required.
   */
  redis: string | RedisClientLike;
  /** This replica's name in the lease and in the stream; must not contain `|`. @default `<hostname>:<pid>` */
  replicaId?: string;
  /** Lease time to live. @default 10000 */
  leaseTtl?: number;
  /** How often the leader renews the lease. At most `renewDeadline / 3`. @default 2000 */
  renewInterval?: number;
  /**
   * The leader closes its Zoom socket when no renew succeeded for this long (measured from when the renew was
   * sent). Must be below `leaseTtl`: the difference is the margin in which the old leader gets off Zoom before
   * anyone else can acquire. @default 6000
   */
  renewDeadline?: number;
  /** How often a standby tries to acquire the lease (± 25 % jitter; at once when the leader releases it). @default 1000 */
  acquireInterval?: number;
  /** Prefix of every Redis key (`<prefix>:{<subscription id>}:…`). @default 'zoomws' */
  keyPrefix?: string;
  /** How long stream entries (events, outages) are kept, by stream id time. @default 86400000 (24 h) */
  retention?: number;
  /** Per-command timeout of the Redis connections zoom-ws opens from a URL. @default renewInterval / 2 */
  redisCommandTimeout?: number;
}

export interface ResolvedClusterOptions {
  client: ResolvedOptions;
  redis: string | RedisClientLike;
  replicaId: string;
  leaseTtl: number;
  renewInterval: number;
  renewDeadline: number;
  acquireInterval: number;
  keyPrefix: string;
  retention: number;
  redisCommandTimeout: number;
}

const CLUSTER_KEYS = ['redis', 'replicaId', 'leaseTtl', 'renewInterval', 'renewDeadline', 'acquireInterval', 'keyPrefix', 'retention', 'redisCommandTimeout'] as const;

/** Validates and fills in defaults; throws {@link ZoomWsConfigError} naming the first bad field. */
export function resolveClusterOptions(options: ZoomWsClusterOptions): ResolvedClusterOptions {
  if (typeof options !== 'object' || options === null) throw new ZoomWsConfigError('options', 'must be an object');
  const clientPart: Record<string, unknown> = { ...options };
  for (const key of CLUSTER_KEYS) delete clientPart[key];
  const client = resolveOptions(clientPart);

  const redis = options.redis;
  if (typeof redis === 'string') {
    validateRedisUrl(redis, 'redis');
  } else if (typeof redis !== 'object' || redis === null || typeof redis.sendCommand !== 'function') {
    throw new ZoomWsConfigError('redis', 'must be a redis:// URL or a connected node-redis client');
  }
  const replicaId = options.replicaId ?? `${hostname()}:${process.pid}`;
  if (typeof replicaId !== 'string' || replicaId.trim() === '' || replicaId.includes('|')) {
    throw new ZoomWsConfigError('replicaId', 'must be a non-empty string without "|"');
  }
  const keyPrefix = options.keyPrefix ?? CLUSTER_DEFAULTS.keyPrefix;
  if (typeof keyPrefix !== 'string' || keyPrefix === '' || /[{}\s]/.test(keyPrefix)) {
    throw new ZoomWsConfigError('keyPrefix', 'must be a non-empty string without braces or spaces');
  }
  const leaseTtl = duration('leaseTtl', options.leaseTtl ?? CLUSTER_DEFAULTS.leaseTtl);
  const renewInterval = duration('renewInterval', options.renewInterval ?? CLUSTER_DEFAULTS.renewInterval);
  const renewDeadline = duration('renewDeadline', options.renewDeadline ?? CLUSTER_DEFAULTS.renewDeadline);
  const acquireInterval = duration('acquireInterval', options.acquireInterval ?? CLUSTER_DEFAULTS.acquireInterval);
  const retention = duration('retention', options.retention ?? CLUSTER_DEFAULTS.retention);
  const redisCommandTimeout = duration('redisCommandTimeout', options.redisCommandTimeout ?? Math.max(1, Math.floor(renewInterval * CLUSTER_DEFAULTS.commandTimeoutShare)));
  if (renewDeadline >= leaseTtl) throw new ZoomWsConfigError('renewDeadline', `must be below leaseTtl (${leaseTtl} ms)`);
  if (renewInterval * 3 > renewDeadline) throw new ZoomWsConfigError('renewInterval', `must be at most renewDeadline / 3 (${Math.floor(renewDeadline / 3)} ms)`);
  if (redisCommandTimeout >= renewInterval) throw new ZoomWsConfigError('redisCommandTimeout', `must be below renewInterval (${renewInterval} ms)`);
  return { client, redis, replicaId, leaseTtl, renewInterval, renewDeadline, acquireInterval, keyPrefix, retention, redisCommandTimeout };
}

function duration(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 2 ** 31 - 1) {
    throw new ZoomWsConfigError(field, 'must be a whole number of milliseconds ≥ 1');
  }
  return value;
}
