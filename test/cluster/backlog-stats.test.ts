import { createClient } from 'redis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { groupBacklog, ZoomWsConsumer } from '../../src/cluster/consumer.js';
import { idempotencyKey } from '../../src/cluster/lease-store.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';
import { sampleInner } from '../support/stream-entries.js';
import { eventually } from '../support/wait.js';

const SUB = 'sub-backlog';
const keys = subscriptionKeys('b', SUB);
const inner = sampleInner;

describe('consumer backlog in stats (for the lag and pending metrics)', () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedisServer();
  });
  afterAll(async () => {
    await server.stop();
  });

  it('reports the group lag and pending entries after a claim round, unknown before', async () => {
    const redis = createClient({ url: server.url });
    await redis.connect();
    for (let n = 0; n < 10; n++) await redis.xAdd(keys.events, '*', { event: inner(n), key: idempotencyKey(inner(n)), replica: 'r', token: '1' });
    let release!: () => void;
    const blocked = new Promise<void>((resolve) => (release = resolve));
    const consumer = new ZoomWsConsumer({ redis: server.url, subscriptionId: SUB, keyPrefix: 'b', group: 'g', block: 100, claimIdle: 200, batchSize: 1 });
    consumer.on('*', () => blocked);
    expect(consumer.stats.lag).toBeUndefined();
    await consumer.start();
    // One entry read and held by the handler; nine not read yet.
    await eventually(() => (consumer.stats.pending === 1 && consumer.stats.lag === 9 ? undefined : JSON.stringify(consumer.stats)), 'pending 1, lag 9', 5_000);
    release();
    await eventually(() => (consumer.stats.pending === 0 && consumer.stats.lag === 0 ? undefined : JSON.stringify(consumer.stats)), 'pending 0, lag 0', 5_000);
    await consumer.stop();
    redis.destroy();
  });

  it('reads both reply forms and ignores what it does not understand', () => {
    const flat = [['name', 'other', 'pending', 5, 'lag', 6], ['name', 'g', 'consumers', 1, 'pending', 2, 'last-delivered-id', '1-0', 'entries-read', 3, 'lag', 4]];
    expect(groupBacklog(flat, 'g')).toEqual({ pending: 2, lag: 4 });
    expect(groupBacklog([{ name: 'g', pending: '7', lag: null }], 'g')).toEqual({ pending: 7 });
    for (const hostile of [null, 'OK', 3, [null], [['name']], [['name', 'g', 'lag', 'x']]]) expect(groupBacklog(hostile, 'g')).toEqual({});
  });
});
