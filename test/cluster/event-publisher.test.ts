/**
 * The leader's publisher tells the replica which events will never be stored and since when, so that the replica's
 * own outage starts no later than the first of them (real redis-server).
 */
import { describe, expect, it } from 'vitest';
import { EventPublisher, type PublisherHooks } from '../../src/cluster/event-publisher.js';
import { subscriptionKeys } from '../../src/cluster/keys.js';
import { idempotencyKey, LeaseStore } from '../../src/cluster/lease-store.js';
import type { ZoomEvent } from '../../src/protocol/events.js';
import type { RedisServer } from '../support/redis-server.js';
import { type TestRedisClient, useRedisServer } from '../support/stream-entries.js';
import { eventually } from '../support/wait.js';

const keys = subscriptionKeys('pub', 'sub-1');
let server: RedisServer;
let redis: TestRedisClient;
useRedisServer((started, client) => {
  server = started;
  redis = client;
});

function recorder() {
  const calls = { published: 0, fenced: [] as { dropped: number; oldestAt: number }[], dropped: [] as { count: number; oldestAt: number; newestAt: number }[], failed: 0 };
  const hooks: PublisherHooks = {
    published: () => calls.published++,
    duplicate: () => {},
    fenced: (_token, dropped, oldestAt) => calls.fenced.push({ dropped, oldestAt }),
    failed: () => calls.failed++,
    dropped: (count, oldestAt, newestAt) => calls.dropped.push({ count, oldestAt, newestAt }),
  };
  return { calls, hooks };
}

const entry = (seq: number, receivedAt: number) => {
  const content = JSON.stringify({ event: 'meeting.started', event_ts: 1_700_000_000_000 + seq, payload: { seq } });
  return { entry: { event: content, key: idempotencyKey(content), receivedAt }, event: JSON.parse(content) as ZoomEvent };
};

describe('EventPublisher', () => {
  it('a fenced batch names the receipt time of the first event it will never store', async () => {
    const store = new LeaseStore(redis, keys, { replicaId: 'a', leaseTtl: 10_000, retentionMs: 86_400_000 });
    const won = await store.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    const { calls, hooks } = recorder();
    const publisher = new EventPublisher(store, hooks, 20);
    const first = entry(1, 1_000);
    publisher.push(won.token, first.entry, first.event);
    await eventually(() => (calls.published === 1 ? undefined : `published ${calls.published}`), 'the first event stored');
    // Someone else holds the lease now: what we push next is fenced, all of it.
    await redis.del(keys.lease);
    const other = await new LeaseStore(redis, keys, { replicaId: 'b', leaseTtl: 10_000, retentionMs: 86_400_000 }).acquire();
    expect(other.acquired).toBe(true);
    for (const [seq, at] of [[2, 2_000], [3, 3_000], [4, 4_000]] as const) {
      const next = entry(seq, at);
      publisher.push(won.token, next.entry, next.event);
    }
    await eventually(() => (calls.fenced.length === 1 ? undefined : 'not fenced yet'), 'the fenced batch');
    expect(calls.fenced).toEqual([{ dropped: 3, oldestAt: 2_000 }]);
    expect(publisher.oldestQueuedAt).toBeUndefined();
    publisher.close();
  });

  it('an overflowing queue (Redis stands still) reports the receipt times of what it dropped', async () => {
    const store = new LeaseStore(redis, keys, { replicaId: 'a', leaseTtl: 10_000, retentionMs: 86_400_000 });
    const won = await store.acquire();
    if (!won.acquired) throw new Error('expected the lease');
    const { calls, hooks } = recorder();
    const publisher = new EventPublisher(store, hooks, 20);
    process.kill(server.pid, 'SIGSTOP');
    try {
      // The first push goes out at once and hangs in flight; the rest wait behind it. Past 10,000 held, the oldest
      // waiting ones go, never the batch in flight (its answer takes it from the front of the queue).
      for (let seq = 0; seq < 10_002; seq++) {
        const next = entry(seq, 10_000 + seq);
        publisher.push(won.token, next.entry, next.event);
      }
      expect(calls.dropped).toEqual([{ count: 1, oldestAt: 10_001, newestAt: 10_001 }, { count: 1, oldestAt: 10_002, newestAt: 10_002 }]);
      expect(publisher.oldestQueuedAt).toBe(10_000);
    } finally {
      process.kill(server.pid, 'SIGCONT');
    }
    // Redis answers: the batch in flight and everything kept behind it are stored, the dropped two are not.
    await eventually(() => (calls.published === 10_000 ? undefined : `published ${calls.published}`), 'the kept events stored', 10_000);
    const stored = (await redis.xRange(keys.events, '-', '+')) ?? [];
    const seqs = stored.map((item) => (JSON.parse(item.message.event!) as { payload: { seq: number } }).payload.seq);
    expect(seqs).toEqual([0, ...Array.from({ length: 9_999 }, (_, i) => i + 3)]);
    publisher.close();
  });
});
