import { describe, expect, it } from 'vitest';
import { consumeOptionsFrom } from '../../src/cli/consume.js';
import { forwardSettingsFrom } from '../../src/cli/forward.js';
import { UsageError } from '../../src/cli/usage-error.js';
import { CONSUMER_DEFAULTS } from '../../src/cluster/consumer-options.js';
import { ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { idempotencyKey } from '../../src/cluster/lease-store.js';
import { PermanentDeliveryError } from '../../src/cluster/permanent-delivery-error.js';
import { ZoomWsConfigError } from '../../src/errors.js';
import type { RedisServer } from '../support/redis-server.js';
import { sampleInner, type TestRedisClient, useRedisServer } from '../support/stream-entries.js';
import { eventually } from '../support/wait.js';

const SUB = 'sub-dead-retention';
const keys = subscriptionKeys('d', SUB);
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer(async (started, client) => {
  server = started;
  redis = client;
  // `MINID ~` trims whole stream nodes only; one entry per node (this test's own server) makes what it trims exact.
  await redis.sendCommand(['CONFIG', 'SET', 'stream-node-max-entries', '1']);
}, { flushEachTest: false });

const inner = sampleInner;

/** Redis' clock, which stream ids follow. */
async function redisNow(): Promise<number> {
  const [seconds, micros] = (await redis.sendCommand(['TIME'])) as [string, string];
  return Number(seconds) * 1000 + Math.floor(Number(micros) / 1000);
}

describe('dead-letter stream retention', () => {
  it('trims dead letters older than deadLetterRetention on the next dead-letter write, and keeps the younger ones', async () => {
    const retention = 60_000;
    const now = await redisNow();
    const old = [`${now - 3 * retention}-0`, `${now - 2 * retention}-0`, `${now - retention - 1_000}-0`];
    const young = `${now - retention / 2}-0`;
    for (const id of [...old, young]) await redis.sendCommand(['XADD', keys.dead, id, 'event', inner(0), 'group', 'g', 'originalId', '1-0', 'error', 'earlier']);
    const event = inner(1);
    const poison = (await redis.sendCommand(['XADD', keys.events, '*', 'event', event, 'key', idempotencyKey(event), 'replica', 'r1', 'token', '1'])) as string;

    const consumer = new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 'd', group: 'g', block: 100, deadLetterRetention: retention });
    consumer.on('*', () => {
      throw new PermanentDeliveryError('rejected');
    });
    await consumer.start();
    await eventually(() => (consumer.stats.deadLettered === 1 ? undefined : `dead-lettered ${consumer.stats.deadLettered}`), 'the dead letter');
    await consumer.stop();

    const dead = (await redis.sendCommand(['XRANGE', keys.dead, '-', '+'])) as [string, string[]][];
    const ids = dead.map(([id]) => id);
    expect(ids.filter((id) => old.includes(id))).toEqual([]);
    expect(ids[0]).toBe(young);
    expect(ids).toHaveLength(2);
    expect(dead[1]![1]).toEqual(expect.arrayContaining(['originalId', poison, 'error', 'PermanentDeliveryError: rejected']));
  });

  it('defaults to 7 days and rejects a non-positive or fractional value', () => {
    const base = { redis: server.url, subscriptionId: SUB, group: 'g' };
    expect(CONSUMER_DEFAULTS.deadLetterRetention).toBe(604_800_000);
    expect(new ZoomWsConsumer(base).options.deadLetterRetention).toBe(604_800_000);
    for (const bad of [0, -1, 1.5]) expect(() => new ZoomWsConsumer({ ...base, deadLetterRetention: bad })).toThrow(ZoomWsConfigError);
    expect(() => new ZoomWsConsumer({ ...base, deadLetterRetention: 0 })).toThrow(/deadLetterRetention/);
  });

  it('is --dead-letter-retention MS for consume and for forward in cluster mode', () => {
    const env = { ZOOM_SUBSCRIPTION_ID: SUB, ZOOM_WS_REDIS_URL: server.url, ZOOM_WEBHOOK_SECRET_TOKEN: 'secret' };
    expect(consumeOptionsFrom(env, ['--group', 'g', '--dead-letter-retention', '86400000']).options.deadLetterRetention).toBe(86_400_000);
    expect(consumeOptionsFrom(env, ['--group', 'g']).options.deadLetterRetention).toBeUndefined();
    expect(() => consumeOptionsFrom(env, ['--group', 'g', '--dead-letter-retention', '0'])).toThrow(UsageError);
    const forward = ['--to', 'http://127.0.0.1:1/hook', '--group', 'g'];
    // Longer than a 32-bit number of ms: a month is a sensible retention.
    expect(forwardSettingsFrom(env, [...forward, '--dead-letter-retention', '2592000000']).consumer?.deadLetterRetention).toBe(2_592_000_000);
    expect(() => forwardSettingsFrom(env, [...forward, '--dead-letter-retention', 'x'])).toThrow(/--dead-letter-retention/);
    expect(() => forwardSettingsFrom(env, ['--to', 'http://127.0.0.1:1/hook', '--dead-letter-retention', '1000'])).toThrow(/--dead-letter-retention needs --group/);
  });
});
