import { createClient } from 'redis';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { RedisReplyError } from '../../src/errors.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { idempotencyKey, LeaseStore } from '../../src/cluster/lease-store.js';
import { startRedisServer, type RedisServer } from '../support/redis-server.js';

type Client = ReturnType<typeof createClient<{}, {}, {}, 2>>;

const keys = subscriptionKeys('t', 'sub-1');
let server: RedisServer;
let redis: Client;

async function connect(): Promise<Client> {
  const client = createClient({ url: server.url, RESP: 2 });
  client.on('error', () => {});
  await client.connect();
  return client;
}

function store(replicaId: string, options: { leaseTtl?: number; retentionMs?: number; dedupeTtlMs?: number } = {}) {
  return new LeaseStore(redis, keys, { replicaId, leaseTtl: options.leaseTtl ?? 2_000, retentionMs: options.retentionMs ?? 86_400_000, ...(options.dedupeTtlMs ? { dedupeTtlMs: options.dedupeTtlMs } : {}) });
}

const event = (n: number) => JSON.stringify({ event: 'meeting.started', event_ts: 1_700_000_000_000 + n, payload: { account_id: 'a', object: { id: String(n) } } });

beforeAll(async () => {
  server = await startRedisServer({ persistent: true });
  redis = await connect();
});
afterAll(async () => {
  redis.destroy();
  await server.stop();
});
beforeEach(async () => {
  await redis.flushAll();
});

describe('LeaseStore', () => {
  it('gives the lease to one replica at a time, with the public value format', async () => {
    const a = store('a');
    const b = store('b');
    const [first, second] = await Promise.all([a.acquire(), b.acquire()]);
    const winners = [first, second].filter((r) => r.acquired);
    expect(winners).toHaveLength(1);
    const loser = [first, second].find((r) => !r.acquired)!;
    const winner = winners[0]!;
    if (loser.acquired || !winner.acquired) throw new Error('unreachable');
    expect(loser.ttlMs).toBeGreaterThan(0);
    const value = await redis.get(keys.lease);
    expect(value).toBe(`${loser.holder}|${winner.token}`);
    expect(value).toMatch(/^[ab]\|\d+$/);
  });

  it('hands out fencing tokens that grow across releases, expiry and a restart that lost the data', async () => {
    const a = store('a', { leaseTtl: 50 });
    const tokens: bigint[] = [];
    for (let i = 0; i < 3; i++) {
      const result = await a.acquire();
      if (!result.acquired) throw new Error('expected the lease');
      tokens.push(BigInt(result.token));
      expect(await a.release(result.token)).toBe(true);
    }
    const expiring = await a.acquire();
    if (!expiring.acquired) throw new Error('expected the lease');
    tokens.push(BigInt(expiring.token));
    await new Promise((resolve) => setTimeout(resolve, 80));
    const afterExpiry = await store('b').acquire();
    if (!afterExpiry.acquired) throw new Error('the expired lease should be free');
    tokens.push(BigInt(afterExpiry.token));

    // Lose everything: the fence counter too. The next token still exceeds every earlier one (server time floor).
    await redis.flushAll();
    const afterLoss = await store('c').acquire();
    if (!afterLoss.acquired) throw new Error('expected the lease');
    tokens.push(BigInt(afterLoss.token));
    for (let i = 1; i < tokens.length; i++) expect(tokens[i]! > tokens[i - 1]!).toBe(true);
  });

  it('renews, checks and releases only its own lease', async () => {
    const a = store('a');
    const b = store('b');
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    expect(await a.renew(won.token, 123)).toBe(true);
    expect(await redis.hGet(keys.state, 'lastAliveAt')).toBe('123');
    expect(await b.renew(won.token)).toBe(false);
    expect(await a.renew(String(BigInt(won.token) + 1n))).toBe(false);
    expect(await a.check(won.token, 1_000)).toBe(true);
    expect(await a.check(won.token, 5_000)).toBe(false); // less than 5 s of a 2 s lease left
    expect(await b.check(won.token, 0)).toBe(false);
    expect(await b.release(won.token)).toBe(false);
    expect(await redis.get(keys.lease)).not.toBeNull();
    expect(await a.release(won.token)).toBe(true);
    expect(await redis.get(keys.lease)).toBeNull();
    expect(Number(await redis.hGet(keys.state, 'releasedAt'))).toBeGreaterThan(0);
  });

  it('returns what the previous holder left, for dating a failover', async () => {
    const a = store('a', { leaseTtl: 40 });
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    expect(await a.markLive(won.token, 1_000)).toBe(true);
    expect(await a.touch(won.token, 2_000)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 70));
    const next = await store('b').acquire();
    if (!next.acquired) throw new Error('expected the lease');
    expect(next.previous).toMatchObject({ holder: 'a', token: won.token, liveSince: 1_000, lastAliveAt: 2_000 });
    expect(await a.touch(won.token, 3_000)).toBe(false); // fenced: no longer ours
    expect(await redis.hGet(keys.state, 'lastAliveAt')).toBe('2000');
  });

  it('publishes in order, stores a repeated event once and fences an ex-holder', async () => {
    const a = store('a', { leaseTtl: 40 });
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    const entries = Array.from({ length: 50 }, (_, n) => ({ event: event(n), key: idempotencyKey(event(n)), receivedAt: 5_000 + n }));
    expect(await a.publishMany(won.token, entries)).toEqual(entries.map(() => 'published'));
    expect(await a.publish(won.token, entries[7]!)).toBe('duplicate');
    const stored = (await redis.xRange(keys.events, '-', '+')) ?? [];
    expect(stored.map((entry) => entry.message.event)).toEqual(entries.map((entry) => entry.event));
    expect(stored[0]!.message).toMatchObject({ key: entries[0]!.key, replica: 'a', token: won.token, receivedAt: '5000' });

    await new Promise((resolve) => setTimeout(resolve, 70));
    const b = store('b');
    const next = await b.acquire();
    if (!next.acquired) throw new Error('expected the lease');
    expect(await a.publish(won.token, { event: event(99), key: idempotencyKey(event(99)), receivedAt: 1 })).toBe('fenced');
    expect(await b.publish(next.token, { event: event(99), key: idempotencyKey(event(99)), receivedAt: 1 })).toBe('published');
    expect(await redis.xLen(keys.events)).toBe(51);
  });

  it('trims entries past the retention by stream id time', async () => {
    const a = store('a', { retentionMs: 60_000 });
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    // 200 entries dated two minutes back: exact ids, so that the approximate trim has whole nodes to drop.
    const old = Date.now() - 120_000;
    for (let i = 0; i < 200; i++) await redis.xAdd(keys.events, `${old}-${i + 1}`, { event: event(i), key: `old-${i}` });
    await a.publish(won.token, { event: event(1_000), key: idempotencyKey(event(1_000)), receivedAt: Date.now() });
    const left = (await redis.xRange(keys.events, '-', '+')) ?? [];
    expect(left.length).toBeLessThan(201);
    expect(left.at(-1)!.message.event).toBe(event(1_000));
  });

  it('records outages fenced by the token, or unfenced for a gap nobody held', async () => {
    const a = store('a');
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    expect(await a.recordOutage(won.token, { from: 1, to: 2, reason: 'failover', detail: 'd', previousHolder: 'z' })).toBe(true);
    expect(await store('b').recordOutage(won.token, { from: 3, to: 4, reason: 'failover', detail: 'd' })).toBe(false);
    expect(await store('b').recordOutage(null, { from: 5, to: 6, reason: 'redis-unavailable', detail: 'd' })).toBe(true);
    const outages = (await redis.xRange(keys.outages, '-', '+')) ?? [];
    expect(outages.map((o) => o.message)).toEqual([
      { from: '1', to: '2', reason: 'failover', detail: 'd', replica: 'a', previousHolder: 'z' },
      { from: '5', to: '6', reason: 'redis-unavailable', detail: 'd', replica: 'b' },
    ]);
  });

  it('stores a repeated outage once (a retry after a timeout that did run), a different one again', async () => {
    const a = store('a');
    const outage = { from: 10, to: 20, reason: 'redis-unavailable', detail: 'd' };
    expect(await a.recordOutage(null, outage)).toBe(true);
    expect(await a.recordOutage(null, outage)).toBe(true);
    expect(await a.recordOutage(null, { ...outage, to: 21 })).toBe(true);
    // Another replica's record of the same window is its own view: kept.
    expect(await store('b').recordOutage(null, outage)).toBe(true);
    const outages = (await redis.xRange(keys.outages, '-', '+')) ?? [];
    expect(outages.map((o) => [o.message.replica, o.message.to])).toEqual([['a', '20'], ['a', '21'], ['b', '20']]);
  });

  it('names the era of the lease state: the same across terms, a new one after Redis lost its data', async () => {
    const a = store('a', { leaseTtl: 50 });
    const first = await a.acquire();
    if (!first.acquired) throw new Error('expected the lease');
    const seen = await store('b').acquire();
    if (seen.acquired) throw new Error('expected a holder');
    expect(seen).toMatchObject({ holder: 'a', holderToken: first.token, era: first.era, holderLiveSince: undefined });
    await a.markLive(first.token, 1_234);
    expect(await store('b').acquire()).toMatchObject({ holderLiveSince: 1_234 });
    await a.release(first.token);
    const second = await a.acquire();
    if (!second.acquired) throw new Error('expected the lease');
    expect(second.era).toBe(first.era);
    await redis.flushAll();
    await new Promise((resolve) => setTimeout(resolve, 5));
    const third = await store('b').acquire();
    if (!third.acquired) throw new Error('expected the lease');
    expect(Number(third.era)).toBeGreaterThan(Number(first.era));
  });

  it('wakes subscribers of the wake channel on release', async () => {
    const subscriber = await connect();
    const woken = new Promise<string>((resolve) => void subscriber.subscribe(keys.wake, (message) => resolve(message)));
    await new Promise((resolve) => setTimeout(resolve, 20));
    const a = store('a');
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    await a.release(won.token);
    expect(await woken).toBe('a');
    subscriber.destroy();
  });

  it('runs its scripts again after Redis restarted with an empty script cache', async () => {
    const a = store('a');
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    await server.restart(); // persistent: the lease survives, the script cache does not
    const client = await connect();
    const again = new LeaseStore(client, keys, { replicaId: 'a', leaseTtl: 2_000, retentionMs: 60_000 });
    expect(await again.renew(won.token)).toBe(true);
    client.destroy();
    redis.destroy();
    redis = await connect();
  });

  it('turns replies it never sends into a RedisReplyError, not a crash or a wrong answer', async () => {
    for (const reply of [null, 'OK', 7, ['x'], [1, 'not-a-number', []]]) {
      const hostile = new LeaseStore({ sendCommand: async () => reply }, keys, { replicaId: 'a', leaseTtl: 1_000, retentionMs: 1_000 });
      await expect(hostile.acquire()).rejects.toBeInstanceOf(RedisReplyError);
      await expect(hostile.renew('1')).rejects.toBeInstanceOf(RedisReplyError);
      await expect(hostile.publish('1', { event: '{}', key: 'k', receivedAt: 1 })).rejects.toBeInstanceOf(RedisReplyError);
    }
  });
});

describe('LeaseStore.publishMany', () => {
  it('writes a batch in order in one step, de-duplicating within and across batches, or fences it whole', async () => {
    const a = store('a', { leaseTtl: 40 });
    const won = await a.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    const entry = (n: number) => ({ event: event(n), key: idempotencyKey(event(n)), receivedAt: 9_000 + n });
    const results = await a.publishMany(won.token, [entry(1), entry(2), entry(1), entry(3)]);
    expect(results).toEqual(['published', 'published', 'duplicate', 'published']);
    expect(await a.publishMany(won.token, [entry(3), entry(4)])).toEqual(['duplicate', 'published']);
    expect(await a.publishMany(won.token, [])).toEqual([]);
    const stored = (await redis.xRange(keys.events, '-', '+')) ?? [];
    expect(stored.map((e) => e.message.receivedAt)).toEqual(['9001', '9002', '9003', '9004']);
    expect(await redis.hGet(keys.state, 'lastAliveAt')).toBe('9004');
    await new Promise((resolve) => setTimeout(resolve, 70));
    expect(await a.publishMany(won.token, [entry(5), entry(6)])).toEqual(['fenced', 'fenced']);
    expect(await redis.xLen(keys.events)).toBe(4);
  });
});
